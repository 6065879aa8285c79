import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.load.ts';
import { connectDatabase } from '../db/database.connect.ts';
import { createLogger } from '../logging/logger.ts';
import { startHub } from '../server/hub.server.ts';
import { runHubCommand } from '../../test-support/hub-process.ts';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-cli-urls-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// Bad configuration is one line naming the variable, before anything starts; and a start that
// fails anyway lets go of the embedded data directory. A port out of range cannot be parsed by
// anything that would connect with it.
const BAD_REDIS = 'redis://cache.internal:99999';
const BAD_DATABASE = 'postgres://hub:secret@db.internal:99999/hub';

describe('connection URLs that cannot be parsed', { timeout: 120_000 }, () => {
  it('REDIS_URL is refused at configuration, naming the variable', () => {
    expect(() => loadConfig({ REDIS_URL: BAD_REDIS })).toThrow(ConfigError);
  });

  it('DATABASE_URL is refused at configuration, naming the variable', () => {
    expect(() => loadConfig({ DATABASE_URL: BAD_DATABASE })).toThrow(ConfigError);
  });

  it('a DATABASE_URL naming a Unix socket, and no host, is taken', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql:///hub?host=/var/run/postgresql' }).DATABASE_URL).toBe('postgresql:///hub?host=/var/run/postgresql');
  });

  it('hub start with a HOST that does not resolve stops with one line naming HOST', async () => {
    const result = await runHubCommand(['start'], { HUB_DATA_DIR: dataDir(), HOST: 'localhots' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/HOST/);
  });

  it('hub start with such a REDIS_URL stops with one line, not a stack trace', async () => {
    const result = await runHubCommand(['start'], { HUB_DATA_DIR: dataDir(), REDIS_URL: BAD_REDIS });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toMatch(/REDIS_URL/);
  });

  it('a start whose queue cannot be made lets go of the embedded data directory', async () => {
    const dir = dataDir();
    // Past the configuration check (as a caller of startHub may be): the queue's own parse fails.
    const config = { ...loadConfig({ HUB_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), REDIS_URL: BAD_REDIS };
    await expect(startHub(config, createLogger({ level: 'silent' }))).rejects.toThrow();
    const database = await connectDatabase({ dataDir: dir });
    await database.close();
  });
});
