import { sql, type Kysely } from 'kysely';

// The admin UI's "New API token" form carries a random id, stored with the token it made: a form
// sent twice (a browser reload of the page that showed the new token) makes no second token.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_tokens add column form_id uuid`.execute(db);
  await sql`create unique index api_tokens_form_id_idx on api_tokens (form_id) where form_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index api_tokens_form_id_idx`.execute(db);
  await sql`alter table api_tokens drop column form_id`.execute(db);
}
