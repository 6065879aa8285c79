import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../db/database.connect.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { withClusterLock } from './cluster-lock.ts';

// Each lock holder keeps a connection for its advisory-lock transaction. Work done on that same
// connection needs no second one, so as many holders as the pool has connections cannot starve it.

const POOL_SIZE = 3;

describe.each(['postgres', 'pglite'] as const)('cluster lock on %s', (kind) => {
  let testDatabase: TestDatabase | undefined;
  let dataDir: string | undefined;
  let database: DatabaseHandle;
  let other: DatabaseHandle | undefined;

  beforeAll(async () => {
    if (kind === 'postgres') testDatabase = await createTestDatabase('cluster_lock');
    else dataDir = mkdtempSync(join(tmpdir(), 'hub-lock-'));
    const options = { url: testDatabase?.url, dataDir: dataDir ?? tmpdir(), poolSize: POOL_SIZE };
    database = await connectDatabase(options);
    // A second process, in effect: its own pool on the same database.
    if (kind === 'postgres') other = await connectDatabase(options);
  });
  afterAll(async () => {
    await other?.close();
    await database?.close();
    await testDatabase?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const hubOf = (handle: DatabaseHandle) => ({ db: handle.db, database: handle });

  it(`holds more locks at once than the pool has connections (${POOL_SIZE}), each doing queries`, async () => {
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: POOL_SIZE + 2 }, (_, i) =>
        withClusterLock(hubOf(database), `lock-test:${i}`, async (db) => {
          await sql`select pg_sleep(0.05)`.execute(db);
          const { rows } = await sql<{ n: number }>`select ${i}::int as n`.execute(db);
          return rows[0]?.n;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4]);
    // Far below the pool's 5 s connect timeout that a starved pool would run into.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('lets one holder per key work at a time, across pools too', async () => {
    let inside = 0;
    let most = 0;
    const handles = other ? [database, other] : [database];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        withClusterLock(hubOf(handles[i % handles.length] as DatabaseHandle), 'lock-test:same', async (db) => {
          inside += 1;
          most = Math.max(most, inside);
          await sql`select 1`.execute(db);
          await sleep(20);
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('commits what the work wrote on the lock connection when the lock is released', async () => {
    await sql`create table if not exists lock_test_writes (key text primary key)`.execute(database.db);
    await withClusterLock(hubOf(database), 'lock-test:write', (db) => sql`insert into lock_test_writes values ('written')`.execute(db));
    const { rows } = await sql<{ key: string }>`select key from lock_test_writes`.execute(database.db);
    expect(rows).toEqual([{ key: 'written' }]);
  });
});
