import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import type { Database } from '../core/db/database.types.ts';

// Plan tests run the hub's own query code against a Kysely that records what it sends, then ask
// PostgreSQL how it runs each statement: the check stays true to the queries as the code builds them.

/**
 * A small pool of its own on the test's database, for plans. Its sessions may still be closing when
 * the test database is dropped (which ends them): that error belongs to no test and is ignored.
 */
export function planPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 2 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function recordingDb(pool: pg.Pool): { db: Kysely<Database>; sent: CompiledQuery[] } {
  const sent: CompiledQuery[] = [];
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (event) => void (event.level === 'query' && sent.push(event.query)) });
  return { db, sent };
}

/** PostgreSQL's plan for a sent query, as text; `analyze` runs it and adds the actual row counts. */
export async function planOf(pool: pg.Pool, query: CompiledQuery, { analyze = false } = {}): Promise<string> {
  const { rows } = await pool.query(`explain ${analyze ? '(analyze, buffers off) ' : ''}${query.sql}`, query.parameters as unknown[]);
  return rows.map((line: Record<string, string>) => line['QUERY PLAN']).join('\n');
}
