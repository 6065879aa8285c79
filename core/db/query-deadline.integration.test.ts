import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { tcpProxy, type TcpProxy } from '../../test-support/tcp-proxy.ts';
import { connectDatabase, type DatabaseHandle } from './database.connect.ts';
import { isDatabaseUnavailable } from './postgres-errors.ts';
import { QueryTimeoutError } from './postgres.pool.ts';

// A PostgreSQL that goes silent (a failover that moved its address, a path that drops packets)
// answers nothing and closes nothing: without a deadline a statement waits for the kernel to give
// up on the socket, about 15 minutes, and the connection's pool slot with it. A statement the
// server is still working on is another matter: it may take as long as it needs.

const DEADLINE_MS = 1_000;
let database: TestDatabase;
let proxy: TcpProxy;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await createTestDatabase('query_deadline');
});
afterAll(async () => {
  await database.drop();
});
beforeEach(async () => {
  proxy = await tcpProxy(Number(new URL(database.url).port || 5432));
  const url = new URL(database.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  handle = await connectDatabase({ url: url.toString(), dataDir: '', poolSize: 2, queryTimeoutMs: DEADLINE_MS });
});
afterEach(async () => {
  await handle.close(1_000);
  await proxy.close();
});

/** Opens both of the pool's connections, so the next statements run on connections made before the silence. */
async function openBothConnections(): Promise<void> {
  await Promise.all([sql`select pg_sleep(0.05)`.execute(handle.db), sql`select pg_sleep(0.05)`.execute(handle.db)]);
}

describe('a statement deadline on PostgreSQL', () => {
  it('fails a statement the silent server never answers, as database_unavailable, and the next one runs on a new connection', async () => {
    await openBothConnections();
    proxy.silence();
    const started = performance.now();
    const failure = await sql`select 1 as one`.execute(handle.db).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryTimeoutError);
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS + 2_000);
    // The pool's other silenced connection is used and closed in turn; then a fresh one answers.
    await sql`select 1 as one`.execute(handle.db).catch(() => undefined);
    expect((await sql<{ one: number }>`select 1 as one`.execute(handle.db)).rows).toEqual([{ one: 1 }]);
    expect(await handle.ping()).toBeUndefined();
  });

  it('fails a transaction whose statement goes unanswered without waiting on its rollback, and frees its connection', async () => {
    await openBothConnections();
    proxy.silence();
    const failure = await handle.db
      .transaction()
      .execute(async (trx) => {
        await sql`select 1`.execute(trx);
      })
      .then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryTimeoutError);
    await sql`select 1`.execute(handle.db).catch(() => undefined);
    // Both connections were replaced; a transaction on fresh ones commits.
    await handle.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
    });
  });

  it('lets a statement the server is still working on outrun its deadline (a large delete, a lock wait)', async () => {
    const slow = sql<{ done: boolean }>`select true as done from pg_sleep(${(DEADLINE_MS * 2.5) / 1000})`.execute(handle.db);
    expect((await slow).rows).toEqual([{ done: true }]);
    // A wait for a lock held longer than the deadline, too.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock(42)');
      const waiting = sql`select pg_advisory_xact_lock(42)`.execute(handle.db);
      await sleep(DEADLINE_MS * 2.5);
      await holder.query('commit');
      await expect(waiting).resolves.toBeDefined();
    } finally {
      await holder.end();
    }
  });
});

describe('without a deadline', () => {
  it('waits for a slow statement as long as it takes', async () => {
    const url = new URL(database.url);
    const unbounded = await connectDatabase({ url: url.toString(), dataDir: '', poolSize: 1 });
    try {
      await expect(sql`select pg_sleep(${(DEADLINE_MS * 1.5) / 1000})`.execute(unbounded.db)).resolves.toBeDefined();
    } finally {
      await unbounded.close();
    }
  });
});
