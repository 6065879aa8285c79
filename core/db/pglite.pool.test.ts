import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from './database.connect.ts';

let dir: string;
let database: DatabaseHandle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-pglite-'));
  database = await connectDatabase({ dataDir: dir });
  await sql`create table counter (n int not null)`.execute(database.db);
  await sql`insert into counter values (0)`.execute(database.db);
});
afterAll(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PGlite pool', () => {
  it('serialises concurrent transactions on the single connection', async () => {
    // Read-modify-write in each transaction: interleaving would lose increments.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        database.db.transaction().execute(async (trx) => {
          const { rows } = await sql<{ n: number }>`select n from counter`.execute(trx);
          await new Promise((resolve) => setTimeout(resolve, 1));
          await sql`update counter set n = ${(rows[0]?.n ?? 0) + 1}`.execute(trx);
        }),
      ),
    );
    const { rows } = await sql<{ n: number }>`select n from counter`.execute(database.db);
    expect(rows[0]?.n).toBe(20);
  });

  it('rolls back a failed transaction and keeps serving', async () => {
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`update counter set n = -1`.execute(trx);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const { rows } = await sql<{ n: number }>`select n from counter`.execute(database.db);
    expect(rows[0]?.n).toBe(20);
  });

  it('reports affected rows like PostgreSQL', async () => {
    const result = await database.db.updateTable('counter' as never).set({ n: 21 } as never).executeTakeFirst();
    expect(result.numUpdatedRows).toBe(1n);
  });
});

describe('PGlite shutdown', () => {
  async function openFresh(): Promise<{ handle: DatabaseHandle; directory: string }> {
    const directory = mkdtempSync(join(tmpdir(), 'hub-pglite-close-'));
    const handle = await connectDatabase({ dataDir: directory });
    await sql`create table ledger (entry text not null)`.execute(handle.db);
    return { handle, directory };
  }

  /**
   * A transaction that writes `entry`, then waits for `until` while holding the connection, then
   * runs `after`; `held` resolves once the first write is done.
   */
  function transactionHeldOpen(handle: DatabaseHandle, entry: string, until: Promise<unknown>, after?: string) {
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const transaction = handle.db.transaction().execute(async (trx) => {
      await sql`insert into ledger values (${entry})`.execute(trx);
      holding();
      await until;
      if (after !== undefined) await sql`insert into ledger values (${after})`.execute(trx);
    });
    return { held, transaction };
  }

  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('lets a transaction between two statements commit whole before closing', async () => {
    const { handle, directory } = await openFresh();
    try {
      // The close begins between the two statements.
      const { held, transaction } = transactionHeldOpen(handle, 'debit', delay(100), 'credit');
      await held;
      expect(await handle.close()).toBe(true);
      await expect(transaction).resolves.toBeUndefined();

      const reopened = await connectDatabase({ dataDir: directory });
      const { rows } = await sql<{ entry: string }>`select entry from ledger order by entry`.execute(reopened.db);
      await reopened.close();
      expect(rows.map((row) => row.entry)).toEqual(['credit', 'debit']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('refuses work that asks for the database once closing began, with a clear error', async () => {
    const { handle, directory } = await openFresh();
    try {
      const { held, transaction } = transactionHeldOpen(handle, 'held', delay(100));
      await held;
      // Queued behind the transaction before the close: it has started nothing, so it is refused.
      const queued = sql`insert into ledger values ('queued')`.execute(handle.db);
      const closing = handle.close();
      await expect(queued).rejects.toThrow('the embedded database is shutting down');
      await expect(sql`select 1`.execute(handle.db)).rejects.toThrow('the embedded database is shutting down');
      await transaction;
      await closing;

      const reopened = await connectDatabase({ dataDir: directory });
      const { rows } = await sql<{ entry: string }>`select entry from ledger`.execute(reopened.db);
      await reopened.close();
      expect(rows.map((row) => row.entry)).toEqual(['held']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('closes after the drain time when the holder never lets go', async () => {
    const { handle, directory } = await openFresh();
    try {
      let release!: () => void;
      const { held, transaction } = transactionHeldOpen(handle, 'stuck', new Promise<void>((resolve) => (release = resolve)), 'late');
      await held;
      const startedAt = performance.now();
      expect(await handle.close(200)).toBe(false);
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(190);
      release();
      // Too late: the database is gone, and the transaction fails rather than half-commits.
      await expect(transaction).rejects.toThrow();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
