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
