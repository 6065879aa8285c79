import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { Database } from '../core/db/database.types.ts';

// Plan tests run the hub's own query code against a Kysely that records what it sends, then ask
// PostgreSQL how it runs each statement: the check stays true to the queries as the code builds them.

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
