import { sql } from 'kysely';
import type { HubContext } from '../server/hub-context.ts';

/**
 * Folds the current hour's runs into one `integration_health_metrics` row per integration, so
 * dashboards read 24 rows instead of every run. Safe to run often: the hour's row is replaced.
 */
export async function rollUpHealth(hub: HubContext, at: Date = hub.clock()): Promise<number> {
  const hour = new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
  const next = new Date(hour.getTime() + 3_600_000);
  const result = await sql`
    insert into integration_health_metrics (tenant_id, integration_id, hour, runs_total, runs_failed, records, p95_latency_ms)
    select tenant_id, integration_id, ${hour}::timestamptz,
      count(*) filter (where status in ('succeeded', 'failed')),
      count(*) filter (where status = 'failed'),
      coalesce(sum(records_seen), 0),
      percentile_cont(0.95) within group (order by latency_ms) filter (where latency_ms is not null)
    from integration_runs
    where kind <> 'check' and queued_at >= ${hour} and queued_at < ${next}
    group by tenant_id, integration_id
    on conflict (integration_id, hour) do update set
      runs_total = excluded.runs_total, runs_failed = excluded.runs_failed,
      records = excluded.records, p95_latency_ms = excluded.p95_latency_ms`.execute(hub.db);
  return Number(result.numAffectedRows ?? 0);
}
