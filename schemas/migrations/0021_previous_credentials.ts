import { sql, type Kysely } from 'kysely';

// A sender signs webhooks with one secret, changed on its side by hand after it is changed in the
// hub (a ServiceNow system property, a Slack app's signing secret). The credentials a change
// replaces are kept, sealed like the current ones, until `previous_credentials_until`, and verify
// the deliveries signed in between; nothing else ever uses them.
//
// A pending rotation also keeps the OAuth token its check obtained: a provider that rotates refresh
// tokens has revoked the one the check spent, so the token is what keeps the integration authorised
// once the rotation is approved.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table integration_configs
    add column previous_credentials_ciphertext text,
    add column previous_credentials_key_version integer,
    add column previous_credentials_until timestamptz`.execute(db);
  await sql`alter table credential_rotations
    add column oauth_token_ciphertext text,
    add column oauth_token_key_version integer`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table credential_rotations drop column oauth_token_ciphertext, drop column oauth_token_key_version`.execute(db);
  await sql`alter table integration_configs
    drop column previous_credentials_ciphertext,
    drop column previous_credentials_key_version,
    drop column previous_credentials_until`.execute(db);
}
