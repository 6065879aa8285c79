import { sql, type Kysely } from 'kysely';

// The runs an event started (its route actions), found by the event: history retention removes an
// event's runs together or not at all (a replay of a kept event must find every action that
// succeeded for it, or it would act again), and a replay reads the event's failed actions.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index integration_runs_event_idx on integration_runs (event_id) where event_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index integration_runs_event_idx`.execute(db);
}
