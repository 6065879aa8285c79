import { sql, type Kysely } from 'kysely';

// Alerts posted for tasks (to update them in place and escalate them once per step) and the links
// between chat users and hub users.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('task_alerts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('integration_id', 'uuid', (c) => c.notNull().references('integration_configs.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('escalation', 'jsonb')
    .addColumn('escalated_steps', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('posted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('task_alerts_message_unique', ['integration_id', 'channel', 'ts'])
    .execute();
  await db.schema.createIndex('task_alerts_task_idx').on('task_alerts').columns(['tenant_id', 'task_id']).execute();

  await db.schema
    .createTable('chat_user_links')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('hub_user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('linked_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('chat_user_links_unique', ['tenant_id', 'platform', 'team_id', 'user_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('chat_user_links').execute();
  await db.schema.dropTable('task_alerts').execute();
}
