import { sql, type Kysely } from 'kysely';

// What the runtime needs beyond the data model's core tables: the dedupe ledger of polled
// records, per-stream cursors, task history, OAuth token storage, and run bookkeeping.

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per upstream record: the payload hash decides whether a poll saw a change.
  await db.schema
    .createTable('integration_records')
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('integration_id', 'uuid', (c) => c.notNull().references('integration_configs.id').onDelete('cascade'))
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('payload_hash', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('integration_records_pk', ['integration_id', 'stream', 'external_id'])
    .execute();

  await db.schema
    .createTable('integration_cursors')
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('integration_id', 'uuid', (c) => c.notNull().references('integration_configs.id').onDelete('cascade'))
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('cursor', 'jsonb', (c) => c.notNull())
    .addColumn('run_id', 'uuid')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('integration_cursors_pk', ['integration_id', 'stream'])
    .execute();

  await db.schema
    .alterTable('integration_runs')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('heartbeat_at', 'timestamptz')
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('action', 'text')
    .addColumn('route_id', 'uuid')
    .addColumn('event_id', 'uuid')
    .addColumn('input', 'jsonb')
    .addColumn('result', 'jsonb')
    .addColumn('requested_by', 'text')
    .execute();
  // Runs of one integration stream never overlap: only one may be running at a time.
  await sql`create unique index integration_runs_one_running on integration_runs (integration_id, stream)
    where status = 'running' and kind = 'poll'`.execute(db);

  await db.schema
    .alterTable('integration_events')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .execute();

  await db.schema
    .alterTable('integration_configs')
    .addColumn('oauth_token_ciphertext', 'text')
    .addColumn('oauth_token_key_version', 'integer')
    .execute();

  await db.schema.alterTable('tenants').addColumn('task_seq', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('task_history')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('task_history_task_idx').on('task_history').columns(['task_id', 'created_at']).execute();

  await db.schema.alterTable('routes').addColumn('source_integration_id', 'uuid', (c) =>
    c.references('integration_configs.id').onDelete('cascade'),
  ).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('routes').dropColumn('source_integration_id').execute();
  await db.schema.dropTable('task_history').execute();
  await db.schema.alterTable('tenants').dropColumn('task_seq').execute();
  await db.schema.alterTable('integration_configs').dropColumn('oauth_token_ciphertext').dropColumn('oauth_token_key_version').execute();
  await db.schema.alterTable('integration_events').dropColumn('attempts').dropColumn('error').execute();
  await sql`drop index integration_runs_one_running`.execute(db);
  await db.schema
    .alterTable('integration_runs')
    .dropColumn('attempts').dropColumn('heartbeat_at').dropColumn('next_attempt_at').dropColumn('action')
    .dropColumn('route_id').dropColumn('event_id').dropColumn('input').dropColumn('result').dropColumn('requested_by')
    .execute();
  await db.schema.dropTable('integration_cursors').execute();
  await db.schema.dropTable('integration_records').execute();
}
