import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.load.ts';
import { EnvironmentVariables } from './config.schema.ts';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('needs no variables: embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 8080, HUB_ROLE: 'all', HUB_DATA_DIR: './data', NODE_ENV: 'development' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).PORT).toBe(8080);
    // Blank too: " " read as a number would be port 0, a random one.
    expect(loadConfig({ PORT: ' ', HUB_WORKER_CONCURRENCY: '\t' })).toMatchObject({ PORT: 8080, HUB_WORKER_CONCURRENCY: 4 });
  });

  it('refuses durations longer than a timer can hold, which would fire at once', () => {
    expect(errorOf({ HUB_RECONCILE_INTERVAL_SECONDS: '3000000' })).toBe('invalid HUB_RECONCILE_INTERVAL_SECONDS: Too big: expected number to be <=2147483');
    expect(errorOf({ HUB_SHUTDOWN_TIMEOUT_MS: '3000000000' })).toBe('invalid HUB_SHUTDOWN_TIMEOUT_MS: Too big: expected number to be <=2147483647');
    expect(loadConfig({ HUB_RUN_LEASE_SECONDS: '2147483' }).HUB_RUN_LEASE_SECONDS).toBe(2147483);
  });

  it('names the variable and what is expected in one line', () => {
    expect(errorOf({ PORT: 'eighty' })).toBe('invalid PORT: Invalid input: expected number, received NaN');
    expect(errorOf({ HUB_ROLE: 'boss' })).toMatch(/^invalid HUB_ROLE: .*"api"\|"worker"\|"all"/);
    expect(errorOf({ DATABASE_URL: 'mysql://x' })).toBe('invalid DATABASE_URL: expected a URL starting with postgres:// or postgresql://');
    expect(errorOf({ REDIS_URL: 'localhost:6379' })).toBe('invalid REDIS_URL: expected a URL starting with redis:// or rediss://');
  });

  it('keeps all history unless a retention of at least a week is set', () => {
    expect(loadConfig({}).HUB_HISTORY_RETENTION_DAYS).toBe(0);
    expect(loadConfig({ HUB_HISTORY_RETENTION_DAYS: '90' }).HUB_HISTORY_RETENTION_DAYS).toBe(90);
    expect(errorOf({ HUB_HISTORY_RETENTION_DAYS: '3' })).toBe('invalid HUB_HISTORY_RETENTION_DAYS: expected 0 (keep everything) or at least 7 days');
    expect(errorOf({ HUB_HISTORY_RETENTION_DAYS: '-1' })).toBe('invalid HUB_HISTORY_RETENTION_DAYS: expected 0 (keep everything) or at least 7 days');
  });

  it('reports malformed master keys without echoing them', () => {
    const secret = Buffer.alloc(16, 7).toString('base64');
    const message = errorOf({ HUB_MASTER_KEYS: `1:${secret}` });
    expect(message).toMatch(/^invalid HUB_MASTER_KEYS: key version 1 is 16 bytes; expected 32/);
    expect(message).not.toContain(secret);
    expect(errorOf({ HUB_MASTER_KEYS: `1:${key(1)},1:${key(2)}` })).toMatch(/listed twice/);
  });

  it('refuses production without explicit master keys', () => {
    expect(errorOf({ NODE_ENV: 'production' })).toMatch(/^missing HUB_MASTER_KEYS: required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', HUB_MASTER_KEYS: `2:${key(2)},1:${key(1)}` }).NODE_ENV).toBe('production');
  });

  it('runs split roles only on shared PostgreSQL and Redis', () => {
    expect(errorOf({ HUB_ROLE: 'worker' })).toMatch(/^invalid HUB_ROLE: worker needs DATABASE_URL and REDIS_URL/);
    const config = loadConfig({ HUB_ROLE: 'api', DATABASE_URL: 'postgres://db/hub', REDIS_URL: 'redis://cache:6379' });
    expect(config.HUB_ROLE).toBe('api');
  });

  it("starts embedded with the Docker image's own environment, as the README's `docker run` does", () => {
    // ENV lines of the Dockerfile: every container gets them, also one run without any -e.
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const imageEnv = Object.fromEntries(
      [...dockerfile.matchAll(/^ENV\s+([A-Z_]+)[=\s](.*)$/gm)].map((match) => [match[1]!, match[2]!.trim()]),
    );
    expect(() => loadConfig(imageEnv)).not.toThrow();
  });

  it('refuses a guessable metrics token without echoing it', () => {
    const message = errorOf({ HUB_METRICS_TOKEN: 'short-one' });
    expect(message).toBe('invalid HUB_METRICS_TOKEN: expected at least 16 characters and no spaces');
    expect(loadConfig({ HUB_METRICS_TOKEN: 'scrape-token-0123456789' }).HUB_METRICS_TOKEN).toBe('scrape-token-0123456789');
  });

  it('calls public and private upstream addresses by default, and names the choices of HUB_UPSTREAM_ADDRESSES', () => {
    expect(loadConfig({}).HUB_UPSTREAM_ADDRESSES).toBe('private');
    expect(loadConfig({ HUB_UPSTREAM_ADDRESSES: 'public' }).HUB_UPSTREAM_ADDRESSES).toBe('public');
    expect(loadConfig({ HUB_UPSTREAM_ADDRESSES: 'any' }).HUB_UPSTREAM_ADDRESSES).toBe('any');
    expect(errorOf({ HUB_UPSTREAM_ADDRESSES: 'none' })).toMatch(/^invalid HUB_UPSTREAM_ADDRESSES: .*"public"\|"private"\|"any"/);
  });

  it('documents every variable, in the README too', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(EnvironmentVariables.shape)) {
      expect(readme, `README table lacks ${name}`).toContain(`| \`${name}\` |`);
    }
  });
});
