import { sql } from 'kysely';
import type { Digest } from '../../connectors/sdk/task-alerts.types.ts';
import { integrationHealth } from '../health/integration-health.service.ts';
import { insertRunOnce } from '../runs/run.repository.ts';
import { dispatchRuns } from '../runs/run.jobs.ts';
import type { HubContext } from '../server/hub-context.ts';
import { taskAlertView } from './task-alert.view.ts';
import { TASK_ALERT_ACTIONS } from './task-alerts.service.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The start of the current period: today at the hour, or this week's Monday at the hour (UTC). */
export function periodStart(now: Date, frequency: 'daily' | 'weekly', hourUtc: number): Date {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hourUtc));
  if (start > now) start.setTime(start.getTime() - DAY_MS);
  if (frequency === 'weekly') {
    const sinceMonday = (start.getUTCDay() + 6) % 7;
    start.setTime(start.getTime() - sinceMonday * DAY_MS);
  }
  return start;
}

export async function buildDigest(hub: HubContext, tenantId: string, period: 'daily' | 'weekly', since: Date): Promise<Digest> {
  const tasks = await hub.db.selectFrom('tasks').selectAll().where('tenant_id', '=', tenantId).where('status', '<>', 'resolved').orderBy('number').execute();
  const views = await Promise.all(tasks.map((task) => taskAlertView(hub, task)));
  const failures = await hub.db
    .selectFrom('integration_events')
    .innerJoin('integration_configs', 'integration_configs.id', 'integration_events.integration_id')
    .select(['integration_configs.name as name', sql<string>`substring(integration_events.type from 9)`.as('code'), sql<number>`count(*)::int`.as('count')])
    .where('integration_events.tenant_id', '=', tenantId)
    .where('integration_events.type', 'like', 'failure.%')
    .where('integration_events.received_at', '>=', since)
    .groupBy(['integration_configs.name', 'integration_events.type'])
    .execute();
  const integrations = await hub.db.selectFrom('integration_configs').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
  const health = await integrationHealth(hub, integrations);
  const soon = new Date(hub.clock().getTime() + 14 * DAY_MS);
  return {
    period,
    since: since.toISOString(),
    openTasks: views.filter((view) => view.status === 'open'),
    acknowledgedTasks: views.filter((view) => view.status === 'acknowledged'),
    failuresSince: failures.map((row) => ({ integrationName: row.name, code: row.code, count: Number(row.count) })),
    integrations: integrations.map((row) => ({ name: row.name, environment: row.environment, status: health.get(row.id)?.status ?? 'unknown' })),
    expiringCredentials: integrations
      .filter((row) => row.credentials_expires_at && row.credentials_expires_at <= soon)
      .map((row) => ({ integrationName: row.name, expiresAt: (row.credentials_expires_at as Date).toISOString() })),
  };
}

/** What a digest run carries: the period to draw, drawn when the run is sent. */
export interface DigestInput {
  channel: string;
  period: 'daily' | 'weekly';
  since: string;
  /**
   * The digest as it was when queued, for processes of the previous version during a rolling
   * upgrade, which send what the run carries; this version draws it anew.
   */
  digest?: Digest;
}

/**
 * Queues each alerting integration's digest once its period has begun, once per period. A paused
 * integration gets none while paused (its runs would only be held, and all sent at once on resume);
 * the period under way when it resumes gets its digest then.
 */
export async function sendDueDigests(hub: HubContext): Promise<number> {
  const now = hub.clock();
  const rows = await hub.db.selectFrom('integration_configs').selectAll().where('enabled', '=', true).where('paused_at', 'is', null).execute();
  let queued = 0;
  for (const row of rows) {
    const connector = hub.connectors.get(row.connector);
    const schedule = connector?.taskAlerts?.digest(connector.config.parse(row.config));
    if (!schedule) continue;
    const start = periodStart(now, schedule.frequency, schedule.hourUtc);
    const previous = new Date(start.getTime() - (schedule.frequency === 'daily' ? DAY_MS : 7 * DAY_MS));
    const key = `digest:${row.id}:${schedule.channel}:${start.toISOString()}`;
    // A read, not an insert that conflicts: this runs every minute for every alerting integration.
    if (await hub.db.selectFrom('integration_runs').select('id').where('idempotency_key', '=', key).executeTakeFirst()) continue;
    const run = await insertRunOnce(hub.db, {
      tenant_id: row.tenant_id,
      integration_id: row.id,
      kind: 'action',
      trigger: 'digest',
      action: TASK_ALERT_ACTIONS.digest,
      input: JSON.stringify({
        channel: schedule.channel,
        period: schedule.frequency,
        since: previous.toISOString(),
        digest: await buildDigest(hub, row.tenant_id, schedule.frequency, previous),
      } satisfies DigestInput),
      idempotency_key: key,
      status: 'queued',
    });
    if (run) {
      // Stored: a queue away now does not stop the other digests; the reconciler queues this one.
      await dispatchRuns(hub, [run.id]);
      queued += 1;
    }
  }
  return queued;
}
