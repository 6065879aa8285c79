import { sql, type Kysely } from 'kysely';

// Health reads one integration's runs (those queued in the last 24 h, its latest success and
// failure); the hourly rollup reads the runs finished in the hours it folds, and the latest hour it
// rolled up. No index served these reads: the runs index by integration begins with the tenant,
// which they do not name, so each one scanned the runs of every tenant, and runs are kept for good.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index integration_runs_integration_queued_idx on integration_runs (integration_id, queued_at)`.execute(db);
  // Latest finish by outcome; check runs never count towards health.
  await sql`create index integration_runs_integration_finished_idx on integration_runs (integration_id, status, finished_at) where kind <> 'check'`.execute(db);
  // The hourly rollup folds runs by the hour they finished in.
  await sql`create index integration_runs_finished_idx on integration_runs (finished_at) where kind <> 'check'`.execute(db);
  // Where the rollup left off: the latest hour rolled up, read at every pass.
  await sql`create index integration_health_metrics_hour_idx on integration_health_metrics (hour)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index integration_health_metrics_hour_idx`.execute(db);
  await sql`drop index integration_runs_finished_idx`.execute(db);
  await sql`drop index integration_runs_integration_finished_idx`.execute(db);
  await sql`drop index integration_runs_integration_queued_idx`.execute(db);
}
