import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runHubCommand, spawnHub } from '../../test-support/hub-process.ts';
import { createTestDatabase, testRedisUrl, uniquePrefix } from '../../test-support/test-database.ts';
import { deleteRedisKeys } from '../../test-support/redis-keys.ts';
import pg from 'pg';
import { waitFor } from '../../test-support/wait-for.ts';

// A first start that fails or is stopped part-way must not lose the first admin token: the token is
// made last, once nothing else can fail, and a signal during start-up stops the hub through the
// graceful path once it has started instead of killing it on the spot.

const BANNER = 'First start: created the tenant "default" and an admin API token';
const MASTER_KEYS = `1:${Buffer.alloc(32, 7).toString('base64')}`;
// TEST-NET-1 (RFC 5737): no interface of this machine has it, so listening on it fails.
const UNBINDABLE_HOST = '192.0.2.1';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-start-interrupted-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the hub, expects the first-start banner, and stops it. */
async function expectBannerOnStart(env: Record<string, string>): Promise<void> {
  const hub = spawnHub(['start'], env);
  cleanups.push(() => hub.stop('SIGKILL'));
  await hub.started;
  expect(hub.stdout()).toContain(BANNER);
  expect(await hub.stop('SIGTERM')).toBe(0);
}

describe('hub start cut short', { timeout: 180_000 }, () => {
  it('embedded: a first start that cannot listen makes no token, says why in one line, and the next start shows the token', async () => {
    const dir = dataDir();
    const failed = await runHubCommand(['start'], { HUB_DATA_DIR: dir, HOST: UNBINDABLE_HOST });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`cannot listen on HOST ${UNBINDABLE_HOST}`);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    expect(failed.stdout).not.toContain(BANNER);
    await expectBannerOnStart({ HUB_DATA_DIR: dir });
  });

  it('PostgreSQL: a first start without Redis makes no token, and the next start with Redis shows it', async () => {
    const database = await createTestDatabase('start_interrupted');
    cleanups.push(() => database.drop());
    const prefix = uniquePrefix('start-interrupted');
    cleanups.push(() => deleteRedisKeys(prefix));
    const env = { DATABASE_URL: database.url, HUB_MASTER_KEYS: MASTER_KEYS, HUB_QUEUE_PREFIX: prefix };

    const failed = await runHubCommand(['start'], { ...env, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("the queue's Redis does not answer");
    expect(failed.stdout).not.toContain(BANNER);
    await expectBannerOnStart({ ...env, REDIS_URL: testRedisUrl() });
  });

  it('embedded: a signal during start-up stops the hub gracefully once started, after showing the token', async () => {
    const dir = dataDir();
    // Start-up gets this long after the signal: far more than a loaded machine needs to finish it.
    const hub = spawnHub(['start'], { HUB_DATA_DIR: dir, HUB_SHUTDOWN_TIMEOUT_MS: '120000' });
    cleanups.push(() => hub.stop('SIGKILL'));
    // The signal comes as the database is opened, among the first things a start does: it is being
    // created and migrated (seconds, for PGlite), the tenant and token are to come.
    await new Promise<void>((resolve) => {
      const look = () => {
        if (!hub.stdout().includes('opening the database')) return;
        hub.child.stdout?.off('data', look);
        hub.child.kill('SIGTERM');
        resolve();
      };
      hub.child.stdout?.on('data', look);
    });
    expect(await hub.exited).toBe(0);
    expect(hub.stdout()).toContain('signal during start-up');
    expect(hub.stdout()).toContain(BANNER);
    expect(hub.stdout()).toContain('"hub stopped"');
    // The data directory was let go: no lock left behind.
    expect(existsSync(join(dir, 'hub.lock'))).toBe(false);
  });
  it('PostgreSQL: a start-up stuck after a signal (waiting on another migrator) exits once the shutdown timeout has passed', async () => {
    const database = await createTestDatabase('start_stuck');
    cleanups.push(() => database.drop());
    const prefix = uniquePrefix('start-stuck');
    cleanups.push(() => deleteRedisKeys(prefix));
    // Another process migrating: the hub's migrator waits on the lock it holds (Kysely's lock id).
    const migrator = new pg.Client({ connectionString: database.url });
    await migrator.connect();
    cleanups.push(() => migrator.end());
    await migrator.query('select pg_advisory_lock(3853314791062309107)');

    const hub = spawnHub(['start'], { DATABASE_URL: database.url, HUB_MASTER_KEYS: MASTER_KEYS, HUB_QUEUE_PREFIX: prefix, REDIS_URL: testRedisUrl(), HUB_SHUTDOWN_TIMEOUT_MS: '1000' });
    cleanups.push(() => hub.stop('SIGKILL'));
    await waitFor('the hub waiting on the migration lock', async () => {
      const { rows } = await migrator.query(`select 1 from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`);
      return rows.length > 0;
    });
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(1);
    expect(hub.stdout()).toContain('start-up did not finish within the shutdown timeout');
    expect(hub.stdout()).not.toContain(BANNER);
  });

  it('PostgreSQL: a later start says how to get in when the tenant has no usable admin token or admin user left', async () => {
    const database = await createTestDatabase('start_no_admin');
    cleanups.push(() => database.drop());
    const prefix = uniquePrefix('start-no-admin');
    cleanups.push(() => deleteRedisKeys(prefix));
    const env = { DATABASE_URL: database.url, HUB_MASTER_KEYS: MASTER_KEYS, HUB_QUEUE_PREFIX: prefix, REDIS_URL: testRedisUrl() };
    await expectBannerOnStart(env);

    const startOutput = async () => {
      const hub = spawnHub(['start'], env);
      cleanups.push(() => hub.stop('SIGKILL'));
      await hub.started;
      expect(await hub.stop('SIGTERM')).toBe(0);
      return hub.stdout();
    };
    // With the first token in place, a later start says nothing about it.
    expect(await startOutput()).not.toContain('nobody can administer');

    // As a tenant left by a start that lost its token, or whose admins were all revoked.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`update api_tokens set revoked_at = now()`);
    await client.end();
    const output = await startOutput();
    expect(output).toContain('nobody can administer the tenant \\"default\\"');
    expect(output).toContain('token create --tenant default --role admin');
  });
});
