import { sql, type Kysely } from 'kysely';

// Sign-in attempts from a browser that signed in as that email before (admin-ui/auth/known-browser.ts)
// count apart from all others: a stream of guesses from elsewhere locks the email for everyone else,
// but no longer for its owner's own browser. The lock check reads one of the two kinds.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table admin_login_attempts add column known_browser boolean not null default false`.execute(db);
  await sql`drop index admin_login_attempts_decisive_idx`.execute(db);
  await sql`create index admin_login_attempts_decisive_idx on admin_login_attempts (tenant_id, email, known_browser, attempted_at)
    where outcome in ('failure', 'success')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index admin_login_attempts_decisive_idx`.execute(db);
  await sql`create index admin_login_attempts_decisive_idx on admin_login_attempts (tenant_id, email, attempted_at)
    where outcome in ('failure', 'success')`.execute(db);
  await sql`alter table admin_login_attempts drop column known_browser`.execute(db);
}
