import { sql, type Kysely } from 'kysely';

// Only pending events are ever looked up by status (the reconciler's scan for events whose queue
// job was lost); most events are processed at once or soon after. A partial index holds just the
// pending ones: small, and an event stored processed adds no entry to it.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('integration_events_status_idx').execute();
  await sql`create index integration_events_pending_idx on integration_events (received_at) where status = 'pending'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('integration_events_pending_idx').execute();
  await db.schema.createIndex('integration_events_status_idx').on('integration_events').columns(['status', 'received_at']).execute();
}
