import { sql, type Kysely } from 'kysely';

// Lists that read the history of a large tenant (300,000 runs and events) through no fitting index:
// - the runs list without an integration filter (GET /api/runs, /admin/runs) read every run of the
//   tenant to show 50: the tenant index leads with the integration (230 ms); filtered by a rare
//   error code, it walked the tenant's runs for the few that failed with it;
// - the events of one run (the admin run page) scanned every event (130 ms), and deleting an
//   integration, whose runs' events the foreign key sets to null run by run, scanned them once
//   per run (25 s for 400 runs);
// - failed events and failure events, a small share, were found by walking all the tenant's events.
// Webhook deliveries are the events stored in bulk, and each index costs every insert: they have
// no run, are stored processed or pending, and are not failure events, so the partial indexes
// below take no entry for them.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index integration_runs_tenant_queued_idx on integration_runs (tenant_id, queued_at, id)`.execute(db);
  await sql`create index integration_runs_error_idx on integration_runs (tenant_id, error_code, queued_at) where error_code is not null`.execute(db);
  await sql`create index integration_events_run_idx on integration_events (run_id) where run_id is not null`.execute(db);
  await sql`create index integration_events_failed_idx on integration_events (tenant_id, received_at) where status = 'failed'`.execute(db);
  await sql`create index integration_events_failure_idx on integration_events (tenant_id, received_at) where type like 'failure.%'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index integration_events_failure_idx`.execute(db);
  await sql`drop index integration_events_failed_idx`.execute(db);
  await sql`drop index integration_events_run_idx`.execute(db);
  await sql`drop index integration_runs_error_idx`.execute(db);
  await sql`drop index integration_runs_tenant_queued_idx`.execute(db);
}
