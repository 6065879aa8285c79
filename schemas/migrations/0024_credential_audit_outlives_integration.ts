import { sql, type Kysely } from 'kysely';

// The credential audit is evidence (who set, rotated and approved which secret, when): it outlives
// the integration it is about, and goes only with its tenant. Deleting an integration removed it.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table integration_credentials_audit drop constraint integration_credentials_audit_integration_id_fkey`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from integration_credentials_audit where integration_id not in (select id from integration_configs)`.execute(db);
  await sql`alter table integration_credentials_audit add constraint integration_credentials_audit_integration_id_fkey
    foreign key (integration_id) references integration_configs (id) on delete cascade`.execute(db);
}
