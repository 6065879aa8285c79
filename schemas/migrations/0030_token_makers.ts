import { sql, type Kysely } from 'kysely';

// After a leak, what was made with the leaked token must be found and revoked with it: each token
// records the token that made it (POST /api/tokens) or the admin UI user who made it there. Tokens
// made before this, by the CLI, at first start or by a previous version during a rolling upgrade
// have neither: their maker is unknown, and a revocation "with descendants" cannot reach them.
// `descendants_revoked_at` marks tokens revoked with what they made: a token such a token makes
// afterwards (a request authenticated just before the revocation committed) is refused.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_tokens add column created_by_token_id uuid references api_tokens (id) on delete set null`.execute(db);
  await sql`alter table api_tokens add column created_by_user_id uuid references users (id) on delete set null`.execute(db);
  await sql`alter table api_tokens add column descendants_revoked_at timestamptz`.execute(db);
  // The tokens one token made: the `?createdByTokenId=` filter and each step of a revocation's walk.
  await sql`create index api_tokens_created_by_token_idx on api_tokens (created_by_token_id) where created_by_token_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index api_tokens_created_by_token_idx`.execute(db);
  await sql`alter table api_tokens drop column descendants_revoked_at`.execute(db);
  await sql`alter table api_tokens drop column created_by_user_id`.execute(db);
  await sql`alter table api_tokens drop column created_by_token_id`.execute(db);
}
