import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { connectDatabase, type DatabaseHandle } from './database.connect.ts';
import { preparedStatement } from './prepared-statements.ts';

let database: TestDatabase;
let postgres: DatabaseHandle;
let pglite: DatabaseHandle;
let pgliteDir: string;

beforeAll(async () => {
  database = await createTestDatabase('prepared');
  // One connection, so the statements seen by pg_prepared_statements are the ones the test ran.
  postgres = await connectDatabase({ url: database.url, dataDir: '', poolSize: 1 });
  pgliteDir = mkdtempSync(join(tmpdir(), 'hub-prepared-'));
  pglite = await connectDatabase({ dataDir: pgliteDir });
});
afterAll(async () => {
  await postgres.close();
  await pglite.close();
  await database.drop();
  rmSync(pgliteDir, { recursive: true, force: true });
});

const doubled = (db: Kysely<any>, value: number) =>
  sql<{ doubled: number }>`${preparedStatement('double_it')} select ${value}::int * 2 as doubled`.execute(db);

async function preparedNames(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(db);
  return rows.map((row) => row.name);
}

describe('prepared statements', () => {
  it('run a marked statement as one named statement per connection on PostgreSQL, with fresh values each time', async () => {
    expect((await doubled(postgres.db, 2)).rows).toEqual([{ doubled: 4 }]);
    expect((await doubled(postgres.db, 21)).rows).toEqual([{ doubled: 42 }]);
    expect(await preparedNames(postgres.db)).toEqual(['double_it_1']);
  });

  it('leave unmarked statements unnamed', async () => {
    await sql`select ${1}::int as one`.execute(postgres.db);
    expect(await preparedNames(postgres.db)).toEqual(['double_it_1']);
  });

  it('give a second text under the same mark its own name instead of reusing the first', async () => {
    const { rows } = await sql<{ tripled: number }>`${preparedStatement('double_it')} select ${5}::int * 3 as tripled`.execute(postgres.db);
    expect(rows).toEqual([{ tripled: 15 }]);
    expect(await preparedNames(postgres.db)).toEqual(['double_it_1', 'double_it_2']);
  });

  it('replace a connection whose prepared statement the server dropped: one failure, then prepared afresh', async () => {
    await doubled(postgres.db, 1);
    await sql`deallocate all`.execute(postgres.db);
    await expect(doubled(postgres.db, 2)).rejects.toThrow(/does not exist/);
    expect((await doubled(postgres.db, 4)).rows).toEqual([{ doubled: 8 }]);
  });

  it('run the same marked statement unchanged on PGlite', async () => {
    expect((await doubled(pglite.db, 8)).rows).toEqual([{ doubled: 16 }]);
  });

  it('are left unnamed when turned off (for a pooler that cannot keep them)', async () => {
    const unprepared = await connectDatabase({ url: database.url, dataDir: '', poolSize: 1, preparedStatements: false });
    try {
      expect((await doubled(unprepared.db, 3)).rows).toEqual([{ doubled: 6 }]);
      expect(await preparedNames(unprepared.db)).toEqual([]);
    } finally {
      await unprepared.close();
    }
  });

  it('refuse a name that is not a lower-case word', () => {
    expect(() => preparedStatement('Drop Table')).toThrow(/lower-case words/);
  });
});
