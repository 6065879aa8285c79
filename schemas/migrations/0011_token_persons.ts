import { sql, type Kysely } from 'kysely';

// Four eyes compare persons, not tokens: an admin who makes a second token with the first (or
// holds a token made for their admin UI account) is still one person, and must not approve their
// own credential rotation with it. A token's person is `user:<id>` when it was made for a user,
// else `token:<id>` of the token it was made with, down to the first one (made by the CLI or at
// first start), which is its own.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_tokens add column person text`.execute(db);
  // Existing tokens' lineage is unknown: each stays a person of its own, as it was treated before.
  await sql`update api_tokens set person = 'token:' || id::text`.execute(db);
  // Left nullable: processes of the previous version keep serving on this schema during a rolling
  // upgrade (`hub migrate` first) and insert tokens without it; a null reads as the token's own.
  await sql`alter table credential_rotations add column requested_by_person text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table credential_rotations drop column requested_by_person`.execute(db);
  await sql`alter table api_tokens drop column person`.execute(db);
}
