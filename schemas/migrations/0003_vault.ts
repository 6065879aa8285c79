import { sql, type Kysely } from 'kysely';

// Credential rotation with approval, expiry reminders, and the per-tenant key that makes secret
// fingerprints comparable without being reversible.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('credential_rotations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('integration_id', 'uuid', (c) => c.notNull().references('integration_configs.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending_approval', 'applied', 'rejected')`))
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    // The new secret waits here, sealed, only while the rotation is pending.
    .addColumn('credentials_ciphertext', 'text')
    .addColumn('credentials_key_version', 'integer')
    .addColumn('new_fingerprint', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('credential_rotations_integration_idx')
    .on('credential_rotations')
    .columns(['tenant_id', 'integration_id', 'created_at'])
    .execute();

  await db.schema
    .alterTable('tenants')
    .addColumn('fingerprint_key_ciphertext', 'text')
    .addColumn('fingerprint_key_version', 'integer')
    .execute();

  // The last expiry reminder sent (14, 7 or 1 days ahead), so each step is sent once.
  await db.schema.alterTable('integration_configs').addColumn('credentials_expiry_step', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('integration_configs').dropColumn('credentials_expiry_step').execute();
  await db.schema.alterTable('tenants').dropColumn('fingerprint_key_ciphertext').dropColumn('fingerprint_key_version').execute();
  await db.schema.dropTable('credential_rotations').execute();
}
