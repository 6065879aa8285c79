import { sql } from 'kysely';
import type { HubContext } from '../server/hub-context.ts';

/**
 * Folds runs into one `integration_health_metrics` row per integration and hour, so dashboards read
 * 24 rows instead of every run. Each pass folds the current hour and the one before: the job runs
 * every few minutes, so the previous hour's last minutes (and runs that were still running at its
 * last pass) are only complete after the hour has turned. Safe to run often: the rows are replaced.
 */
export async function rollUpHealth(hub: HubContext, at: Date = hub.clock()): Promise<number> {
  const hour = Math.floor(at.getTime() / 3_600_000) * 3_600_000;
  const from = new Date(hour - 3_600_000);
  const until = new Date(hour + 3_600_000);
  const result = await sql`
    insert into integration_health_metrics (tenant_id, integration_id, hour, runs_total, runs_failed, records, p95_latency_ms)
    select tenant_id, integration_id, to_timestamp(floor(extract(epoch from queued_at) / 3600) * 3600) as run_hour,
      count(*) filter (where status in ('succeeded', 'failed')),
      count(*) filter (where status = 'failed'),
      coalesce(sum(records_seen), 0),
      percentile_cont(0.95) within group (order by latency_ms) filter (where latency_ms is not null)
    from integration_runs
    where kind <> 'check' and queued_at >= ${from} and queued_at < ${until}
    group by tenant_id, integration_id, run_hour
    on conflict (integration_id, hour) do update set
      runs_total = excluded.runs_total, runs_failed = excluded.runs_failed,
      records = excluded.records, p95_latency_ms = excluded.p95_latency_ms`.execute(hub.db);
  return Number(result.numAffectedRows ?? 0);
}
