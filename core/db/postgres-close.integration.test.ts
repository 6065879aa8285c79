import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { connectDatabase } from './database.connect.ts';

// pg's Pool.end waits for every borrowed client, however long: closing must not wait past its time
// limit for a statement that never ends, or a stopping hub would outlive its shutdown budget.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('pg_close');
});
afterAll(async () => {
  await database?.drop();
});

describe('closing the PostgreSQL pool', () => {
  it('waits for a transaction that finishes in time', async () => {
    const handle = await connectDatabase({ url: database.url, dataDir: '' });
    // Closed once the transaction holds its connection: a pool ended while one is still being
    // opened refuses the transaction instead, which is not the case this test is about.
    let inside!: () => void;
    const holding = new Promise<void>((resolve) => (inside = resolve));
    const transaction = handle.db.transaction().execute(async (trx) => {
      inside();
      await sql`select pg_sleep(0.2)`.execute(trx);
    });
    await holding;
    expect(await handle.close(5_000)).toBe(true);
    await expect(transaction).resolves.toBeUndefined();
  });

  it('stops waiting at its time limit for one that does not', async () => {
    const handle = await connectDatabase({ url: database.url, dataDir: '' });
    let release!: () => void;
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const transaction = handle.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      holding();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await held;
    const startedAt = performance.now();
    expect(await handle.close(300)).toBe(false);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
    release();
    await transaction.catch(() => undefined);
  });
});
