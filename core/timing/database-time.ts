import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/database.types.ts';

// Hub processes run on hosts whose clocks may differ by seconds or more, and an embedded hub's
// clock may step. A time one process wrote (a queue time, a heartbeat, a retry's due time) is
// therefore compared with the database's clock, the one clock every process shares, never with
// the reading process's own. The injected `hub.clock` stays for what one process measures alone.

/** The database's time now (now(): the start of the surrounding transaction, if any). */
export async function databaseTime(db: Kysely<Database> | Transaction<Database>): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
  const now = rows[0]?.now;
  if (!(now instanceof Date)) throw new Error('the database did not tell its time');
  return now;
}
