import { sql } from 'kysely';
import type { HubContext } from '../server/hub-context.ts';

const HOUR_MS = 3_600_000;
// After an outage of the workers the rollup catches up on at most this much.
const CATCH_UP_MS = 7 * 24 * HOUR_MS;

/**
 * Folds finished runs into one `integration_health_metrics` row per integration and hour, by the
 * hour each run finished in, so dashboards read 24 rows instead of every run. A run is counted once
 * it finishes, however long after it was queued (retries, a pause, a long full sync). Each pass
 * redoes the current hour and the one before, and every hour since the latest row when passes were
 * missed (workers down): the previous hour's last minutes are only complete after it has turned.
 * Safe to run often: the rows are replaced.
 */
export async function rollUpHealth(hub: HubContext, at: Date = hub.clock()): Promise<number> {
  const hour = Math.floor(at.getTime() / HOUR_MS) * HOUR_MS;
  const latest = await hub.db
    .selectFrom('integration_health_metrics')
    .select((eb) => eb.fn.max('hour').as('hour'))
    .where('hour', '<=', new Date(hour))
    .executeTakeFirst();
  const latestHour = latest?.hour ? new Date(latest.hour).getTime() : hour - HOUR_MS;
  const from = new Date(Math.max(hour - CATCH_UP_MS, Math.min(hour - HOUR_MS, latestHour)));
  const until = new Date(hour + HOUR_MS);
  // The hours redone are rewritten whole: a row whose runs have all left its hour (a failed action
  // replayed, now finished in a later one) goes, rather than counting them twice.
  const result = await sql`
    with counted as (
      select tenant_id, integration_id, to_timestamp(floor(extract(epoch from finished_at) / 3600) * 3600) as run_hour,
        count(*) as runs_total,
        count(*) filter (where status = 'failed') as runs_failed,
        coalesce(sum(records_seen), 0) as records,
        percentile_cont(0.95) within group (order by latency_ms) filter (where latency_ms is not null) as p95_latency_ms
      from integration_runs
      where kind <> 'check' and status in ('succeeded', 'failed') and finished_at >= ${from} and finished_at < ${until}
      group by tenant_id, integration_id, run_hour
    ), emptied as (
      delete from integration_health_metrics as metric
      where metric.hour >= ${from} and metric.hour < ${until}
        and not exists (select 1 from counted where counted.integration_id = metric.integration_id and counted.run_hour = metric.hour)
    )
    insert into integration_health_metrics (tenant_id, integration_id, hour, runs_total, runs_failed, records, p95_latency_ms)
    select tenant_id, integration_id, run_hour, runs_total, runs_failed, records, p95_latency_ms from counted
    on conflict (integration_id, hour) do update set
      runs_total = excluded.runs_total, runs_failed = excluded.runs_failed,
      records = excluded.records, p95_latency_ms = excluded.p95_latency_ms`.execute(hub.db);
  return Number(result.numAffectedRows ?? 0);
}
