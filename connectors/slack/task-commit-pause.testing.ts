import { sql, type Kysely } from 'kysely';
import type { Database } from '../../core/db/database.types.ts';

/**
 * Makes every transaction that changes a task wait at its COMMIT (after everything else it did)
 * while someone holds the advisory lock `lockKey`: a test holding it can let other work fall in
 * between a change and its commit. PostgreSQL only.
 */
export async function pauseTaskChangeCommits(db: Kysely<Database>, lockKey: number): Promise<void> {
  await sql`create function pause_change_commit() returns trigger language plpgsql as $$
    begin perform pg_advisory_xact_lock(${sql.lit(lockKey)}); return null; end $$`.execute(db);
  await sql`create constraint trigger pause_change_commit after update on tasks deferrable initially deferred for each row execute function pause_change_commit()`.execute(db);
}
