import { sql, type Kysely } from 'kysely';

// A circuit breaker lives in the process that makes the upstream calls (a worker). Its last change
// of state is written here so that every process, the API processes showing health among them,
// sees the same breaker; without it an API process only knew the breakers of calls it made itself.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('integration_breakers')
    .addColumn('integration_id', 'uuid', (c) => c.primaryKey().references('integration_configs.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('closed', 'open', 'half_open')`))
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    // When an open breaker lets a trial call through, in case the process that opened it is gone.
    .addColumn('reopens_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('integration_breakers').execute();
}
