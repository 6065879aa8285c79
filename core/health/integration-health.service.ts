import { sql } from 'kysely';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { effectiveBreaker, sharedBreakers } from './breaker-state.ts';
import type { IntegrationHealth } from '../../schemas/api/integration.schema.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
// Below this share of successful runs over 24 h an integration counts as degraded.
const DEGRADED_BELOW = 0.95;

interface RunStats {
  integration_id: string;
  finished: number;
  succeeded: number;
  p95: number | null;
}

/** Health of each integration, computed from its runs, tasks, backlog and breaker in a few grouped queries. */
export async function integrationHealth(hub: HubContext, rows: readonly IntegrationConfigRow[]): Promise<Map<string, IntegrationHealth>> {
  const ids = rows.map((row) => row.id);
  const result = new Map<string, IntegrationHealth>();
  if (ids.length === 0) return result;

  const now = hub.clock();
  const since = new Date(now.getTime() - DAY_MS);
  const [stats, lastRuns, backlog, tasks, events, breakers] = await Promise.all([
    // The runs that finished in the last 24 h, however long before they were queued (held while
    // paused, retried, a long backfill), as the hourly rows count them (health-hours.ts); cancelled
    // runs did not run to an outcome and count in neither. Served by integration_runs_integration_finished_idx.
    hub.db
      .selectFrom('integration_runs')
      .select([
        'integration_id',
        sql<number>`count(*)`.as('finished'),
        sql<number>`count(*) filter (where status = 'succeeded')`.as('succeeded'),
        sql<number | null>`percentile_cont(0.95) within group (order by latency_ms) filter (where latency_ms is not null)`.as('p95'),
      ])
      .where('integration_id', 'in', ids)
      .where('kind', '<>', 'check')
      .where('status', 'in', ['succeeded', 'failed'])
      .where('finished_at', '>=', since)
      .groupBy('integration_id')
      .execute() as Promise<RunStats[]>,
    // One index lookup per integration and outcome (integration_runs_integration_finished_idx),
    // rather than every run the integration ever had.
    sql<{ integration_id: string; last_success: Date | null; last_failure: Date | null }>`
      select ids.id as integration_id,
        (select max(finished_at) from integration_runs where integration_id = ids.id and status = 'succeeded' and kind <> 'check') as last_success,
        (select max(finished_at) from integration_runs where integration_id = ids.id and status = 'failed' and kind <> 'check') as last_failure
      from unnest(${ids}::uuid[]) as ids(id)`
      .execute(hub.db)
      .then((result) => result.rows),
    hub.db
      .selectFrom('integration_runs')
      .select(['integration_id', sql<number>`count(*)`.as('count')])
      .where('integration_id', 'in', ids)
      .where('status', 'in', ['queued', 'running'])
      .groupBy('integration_id')
      .execute(),
    hub.db
      .selectFrom('tasks')
      .select(['integration_id', 'code'])
      .where('integration_id', 'in', ids)
      .where('status', '<>', 'resolved')
      .execute(),
    hub.db
      .selectFrom('integration_events')
      .select(['integration_id', sql<number>`count(*)`.as('count')])
      .where('integration_id', 'in', ids)
      .where('status', '=', 'pending')
      .groupBy('integration_id')
      .execute(),
    sharedBreakers(hub.db, ids),
  ]);

  const statsById = new Map(stats.map((row) => [row.integration_id, row]));
  const lastById = new Map(lastRuns.map((row) => [row.integration_id, row]));
  const backlogById = new Map(backlog.map((row) => [row.integration_id, Number(row.count)]));
  const pendingById = new Map(events.map((row) => [row.integration_id, Number(row.count)]));

  for (const row of rows) {
    const stat = statsById.get(row.id);
    const last = lastById.get(row.id);
    const openCodes = tasks.filter((task) => task.integration_id === row.id).map((task) => task.code);
    const finished = Number(stat?.finished ?? 0);
    const succeeded = Number(stat?.succeeded ?? 0);
    const successRate = finished > 0 ? succeeded / finished : null;
    const lastSuccess = last?.last_success ? new Date(last.last_success) : null;
    const local = { state: hub.breakers.state(row.id), changedAt: hub.breakers.changedAt(row.id) };
    const breaker = effectiveBreaker(local, breakers.get(row.id), lastSuccess, now);
    const lastFailed = last?.last_failure && (!last.last_success || last.last_failure > last.last_success);

    let status: IntegrationHealth['status'] = 'healthy';
    if (!row.enabled || row.paused_at) status = 'paused';
    else if (openCodes.some((code) => code !== 'credential_expiring') || lastFailed || breaker === 'open') status = 'failing';
    else if ((successRate !== null && successRate < DEGRADED_BELOW) || breaker === 'half_open' || openCodes.length > 0) status = 'degraded';

    result.set(row.id, {
      status,
      lastSuccessAt: lastSuccess ? lastSuccess.toISOString() : null,
      lastFailureAt: last?.last_failure ? new Date(last.last_failure).toISOString() : null,
      // Thousandths rounded down, from the counts (no float error at the edge): a rate the status
      // calls below 95 % is never shown as 0.95, nor alerted on as such through /metrics.
      successRate24h: finished > 0 ? Math.floor((succeeded * 1000) / finished) / 1000 : null,
      p95LatencyMs: stat?.p95 === null || stat?.p95 === undefined ? null : Math.round(Number(stat.p95)),
      backlog: (backlogById.get(row.id) ?? 0) + (pendingById.get(row.id) ?? 0),
      breaker,
      openTasks: openCodes.length,
    });
  }
  return result;
}
