import { Gauge } from 'prom-client';
import type { HubContext } from '../server/hub-context.ts';
import { integrationHealth } from './integration-health.service.ts';

const STATUSES = ['healthy', 'degraded', 'failing', 'paused'] as const;
const BREAKER_STATES = ['closed', 'half_open', 'open'] as const;
// A scrape reads at most this many integrations; beyond that the dashboards should read the
// hourly rows of integration_health_metrics instead.
const SCRAPE_LIMIT = 2_000;

/**
 * Per-integration health in /metrics, computed when Prometheus scrapes (so every API process
 * reports the same database-derived values), one series per integration and status.
 */
export function registerHealthMetrics(hub: HubContext): void {
  const labelNames = ['integration_id', 'integration', 'connector', 'environment'] as const;
  let scrape: Promise<void> | undefined;
  // The registry collects all metrics of a scrape at once; they share one computation.
  const collect = (): Promise<void> => {
    scrape ??= fill()
      .catch((error: unknown) => {
        // The database is away: these series go missing for this scrape, and every other metric
        // (requests, runs, the process) is still served, which is what an outage needs most.
        for (const each of [status, breaker, successRate, p95, backlog, openTasks, omitted]) each.reset();
        hub.logger.warn({ err: error }, 'could not read integration health for /metrics');
      })
      .finally(() => setImmediate(() => (scrape = undefined)));
    return scrape;
  };
  const registers = [hub.metrics.registry];
  const status = new Gauge({ name: 'hub_integration_status', help: "1 for the integration's current health status", labelNames: [...labelNames, 'status'], registers, collect });
  const breaker = new Gauge({ name: 'hub_integration_breaker', help: "1 for the state of the integration's circuit breaker", labelNames: [...labelNames, 'state'], registers, collect });
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames, registers, collect });
  const successRate = gauge('hub_integration_success_rate_24h', 'Share of finished runs that succeeded in the last 24 hours');
  const p95 = gauge('hub_integration_p95_latency_ms', 'p95 run latency over the last 24 hours');
  const backlog = gauge('hub_integration_backlog', 'Queued or running runs plus events waiting to be routed');
  const openTasks = gauge('hub_integration_open_tasks', 'Unresolved remediation tasks');
  // Without it, integrations past the limit would have no series and no alert would say so.
  const omitted = new Gauge({ name: 'hub_integration_series_omitted', help: `Integrations left out of the per-integration series (a scrape reads the oldest ${SCRAPE_LIMIT})`, registers, collect });

  // Said when the condition starts and when it ends, not at every scrape (every 15 s or so):
  // hub_integration_series_omitted says it continuously.
  let omitting = false;
  function noteOmitted(left: number): void {
    const omits = left > 0;
    if (omits === omitting) return;
    omitting = omits;
    if (omits) hub.logger.warn({ omitted: left, limit: SCRAPE_LIMIT }, 'integrations past the /metrics limit have no per-integration series; read integration_health_metrics for them');
    else hub.logger.info({ limit: SCRAPE_LIMIT }, 'every integration has per-integration series in /metrics again');
  }

  async function fill(): Promise<void> {
    const [rows, total] = await Promise.all([
      hub.db.selectFrom('integration_configs').selectAll().orderBy('created_at').limit(SCRAPE_LIMIT).execute(),
      hub.db.selectFrom('integration_configs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const left = Math.max(0, Number(total.n) - rows.length);
    omitted.set(left);
    noteOmitted(left);
    const health = await integrationHealth(hub, rows);
    for (const each of [status, breaker, successRate, p95, backlog, openTasks]) each.reset();
    for (const row of rows) {
      const h = health.get(row.id);
      if (!h) continue;
      const labels = { integration_id: row.id, integration: row.name, connector: row.connector, environment: row.environment };
      for (const value of STATUSES) status.set({ ...labels, status: value }, h.status === value ? 1 : 0);
      for (const value of BREAKER_STATES) breaker.set({ ...labels, state: value }, h.breaker === value ? 1 : 0);
      if (h.successRate24h !== null) successRate.set(labels, h.successRate24h);
      if (h.p95LatencyMs !== null) p95.set(labels, h.p95LatencyMs);
      backlog.set(labels, h.backlog);
      openTasks.set(labels, h.openTasks);
    }
  }
}
