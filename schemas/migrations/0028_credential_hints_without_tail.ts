import { sql, type Kysely } from 'kysely';

// A stored credentials hint kept the last four characters of the secret in clear (`••••tery` for a
// password ending in "battery"): it now says only that a secret is set, as new hints do. The tails
// are gone for good: a hint cannot be made again without opening the credentials, so `down` keeps these.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update integration_configs set credentials_hint = '••••' where credentials_hint is not null and credentials_hint <> '••••'`.execute(db);
}

export async function down(): Promise<void> {}
