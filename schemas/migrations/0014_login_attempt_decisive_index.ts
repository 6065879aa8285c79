import { sql, type Kysely } from 'kysely';

// The lock check reads the newest failures and successes of one email (admin-ui/auth/lockout.ts).
// Every refused attempt of a guessing flood adds a 'locked' row that the check skips, and the
// index it used held those too: 200,000 refused attempts in the window made each check a 60 ms
// scan, under the email's lock. Indexing only the rows that decide makes it a few index entries.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index admin_login_attempts_decisive_idx on admin_login_attempts (tenant_id, email, attempted_at)
    where outcome in ('failure', 'success')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index admin_login_attempts_decisive_idx`.execute(db);
}
