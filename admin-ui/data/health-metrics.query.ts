import type { HubContext } from '../../core/server/hub-context.ts';
import type { HourlyPoint } from '../components/sparkline.ts';

/** The hourly `integration_health_metrics` rows of the last 24 hours, by integration. */
export async function hourlyMetrics(hub: HubContext, tenantId: string, integrationIds: readonly string[]): Promise<Map<string, HourlyPoint[]>> {
  const result = new Map<string, HourlyPoint[]>();
  if (integrationIds.length === 0) return result;
  const since = new Date(Math.floor(hub.clock().getTime() / 3_600_000) * 3_600_000 - 23 * 3_600_000);
  const rows = await hub.db
    .selectFrom('integration_health_metrics')
    .select(['integration_id', 'hour', 'runs_total', 'runs_failed'])
    .where('tenant_id', '=', tenantId)
    .where('integration_id', 'in', integrationIds)
    .where('hour', '>=', since)
    .orderBy('hour')
    .execute();
  for (const row of rows) {
    const points = result.get(row.integration_id) ?? [];
    points.push({ hour: row.hour, runsTotal: row.runs_total, runsFailed: row.runs_failed });
    result.set(row.integration_id, points);
  }
  return result;
}
