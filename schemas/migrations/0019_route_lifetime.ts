import { sql, type Kysely } from 'kysely';

// A route acts on the events received while it is enabled, not on older ones still waiting to be
// routed (a backlog while the workers were down): routes record since when they are enabled, and
// a replayed event when it was replayed, which is when it asks the routes of now. Both columns are
// added without rewriting their tables (a constant default and a nullable column).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table routes add column enabled_at timestamptz not null default now()`.execute(db);
  await sql`update routes set enabled_at = created_at`.execute(db);
  await sql`alter table integration_events add column replayed_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table integration_events drop column replayed_at`.execute(db);
  await sql`alter table routes drop column enabled_at`.execute(db);
}
