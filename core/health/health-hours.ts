import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/database.types.ts';

// The one query that writes `integration_health_metrics`: each row is recomputed from the finished
// runs of its integration and hour, so the periodic pass (health-rollup.ts) and a replay taking a
// run out of its hour (run.repository.ts) cannot count a run differently.

type Db = Kysely<Database> | Transaction<Database>;

export const HOUR_MS = 3_600_000;

/** The start of the hour `at` falls in, as the rows' `hour`. */
export function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/**
 * Every integration's rows for the hours in [from, until); or one integration's row for one hour,
 * only if it has one: a row made ahead of the periodic pass would read as its latest row and make
 * it skip the hours it has yet to catch up on (health-rollup.ts).
 */
export type HealthHours = { from: Date; until: Date } | { integrationId: string; hour: Date };

/**
 * Rewrites the rows of these hours whole from the finished runs (poll and action, each in the hour
 * it finished): a row whose runs have all left its hour (a failed action replayed, now finished in
 * a later one, or queued again) goes, rather than counting them twice. Returns the rows written.
 */
export async function rewriteHealthHours(db: Db, hours: HealthHours): Promise<number> {
  const integrationId = 'integrationId' in hours ? hours.integrationId : undefined;
  const { from, until } = 'integrationId' in hours ? { from: hours.hour, until: new Date(hours.hour.getTime() + HOUR_MS) } : hours;
  const ofRun = integrationId ? sql`and integration_id = ${integrationId}` : sql``;
  const ofMetric = integrationId ? sql`and metric.integration_id = ${integrationId}` : sql``;
  const onlyKept = integrationId
    ? sql`where exists (select 1 from integration_health_metrics as metric where metric.integration_id = counted.integration_id and metric.hour = counted.run_hour)`
    : sql``;
  const result = await sql`
    with counted as (
      select tenant_id, integration_id, to_timestamp(floor(extract(epoch from finished_at) / 3600) * 3600) as run_hour,
        count(*) as runs_total,
        count(*) filter (where status = 'failed') as runs_failed,
        coalesce(sum(records_seen), 0) as records,
        percentile_cont(0.95) within group (order by latency_ms) filter (where latency_ms is not null) as p95_latency_ms
      from integration_runs
      where kind <> 'check' and status in ('succeeded', 'failed') and finished_at >= ${from} and finished_at < ${until} ${ofRun}
      group by tenant_id, integration_id, run_hour
    ), emptied as (
      delete from integration_health_metrics as metric
      where metric.hour >= ${from} and metric.hour < ${until} ${ofMetric}
        and not exists (select 1 from counted where counted.integration_id = metric.integration_id and counted.run_hour = metric.hour)
    )
    insert into integration_health_metrics (tenant_id, integration_id, hour, runs_total, runs_failed, records, p95_latency_ms)
    select tenant_id, integration_id, run_hour, runs_total, runs_failed, records, p95_latency_ms from counted ${onlyKept}
    on conflict (integration_id, hour) do update set
      runs_total = excluded.runs_total, runs_failed = excluded.runs_failed,
      records = excluded.records, p95_latency_ms = excluded.p95_latency_ms`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
