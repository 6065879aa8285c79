import { sql } from 'kysely';
import type { HubContext } from '../server/hub-context.ts';

// History the hub writes without end: every webhook delivery and polled change is an event, every
// poll, action and check a run, every hour of every integration a health row. With
// HUB_HISTORY_RETENTION_DAYS set, the workers remove what is older, in small batches so no
// statement holds locks or the WAL for long, one tenant at a time over the indexes the lists use.
//
// Kept whatever their age: events still waiting to be routed, and the event of an unfinished run (a
// route action held for a paused target reads its event's type when it fails); unfinished runs; and each
// integration's latest succeeded and latest failed run, which its health (last success, failing
// since) is read from. Tasks, the audit log, credentials history, cursors and the record ledger
// that dedupes polls are not history: nothing here touches them.

/** Rows per DELETE: a few hundred milliseconds of work, then the locks go. */
const BATCH = 2_000;

export interface HistoryRemoved {
  events: number;
  runs: number;
  healthHours: number;
}

/** Removes the history older than the retention; nothing when it is 0 (keep everything). */
export async function removeOldHistory(hub: Pick<HubContext, 'db' | 'config' | 'clock' | 'logger'>): Promise<HistoryRemoved> {
  const removed: HistoryRemoved = { events: 0, runs: 0, healthHours: 0 };
  const days = hub.config.HUB_HISTORY_RETENTION_DAYS;
  if (days === 0) return removed;
  const cutoff = new Date(hub.clock().getTime() - days * 86_400_000);
  const tenants = await hub.db.selectFrom('tenants').select('id').execute();
  for (const { id: tenantId } of tenants) {
    removed.events += await inBatches(() => removeEvents(hub, tenantId, cutoff));
    removed.runs += await inBatches(() => removeRuns(hub, tenantId, cutoff));
    removed.healthHours += await inBatches(() => removeHealthHours(hub, tenantId, cutoff));
  }
  if (removed.events + removed.runs + removed.healthHours > 0) {
    hub.logger.info({ ...removed, olderThan: cutoff.toISOString(), retentionDays: days }, 'removed history past HUB_HISTORY_RETENTION_DAYS');
  }
  return removed;
}

async function inBatches(batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await batch();
    total += count;
    if (count < BATCH) return total;
  }
}

async function removeEvents(hub: Pick<HubContext, 'db'>, tenantId: string, cutoff: Date): Promise<number> {
  // Unfinished runs are few (queued or running now), and the index on status finds them.
  const result = await sql`
    delete from integration_events where id in (
      select id from integration_events
      where tenant_id = ${tenantId} and received_at < ${cutoff} and status <> 'pending'
        and id not in (
          select event_id from integration_runs
          where tenant_id = ${tenantId} and status in ('queued', 'running') and event_id is not null)
      limit ${BATCH})`.execute(hub.db);
  return Number(result.numAffectedRows ?? 0);
}

async function removeRuns(hub: Pick<HubContext, 'db'>, tenantId: string, cutoff: Date): Promise<number> {
  const result = await sql`
    delete from integration_runs where id in (
      select id from integration_runs run
      where run.tenant_id = ${tenantId} and run.queued_at < ${cutoff} and run.finished_at < ${cutoff}
        and run.status in ('succeeded', 'failed', 'cancelled')
        and (run.kind = 'check' or run.status = 'cancelled' or exists (
          select 1 from integration_runs newer
          where newer.integration_id = run.integration_id and newer.status = run.status
            and newer.kind <> 'check' and newer.finished_at > run.finished_at))
      limit ${BATCH})`.execute(hub.db);
  return Number(result.numAffectedRows ?? 0);
}

async function removeHealthHours(hub: Pick<HubContext, 'db'>, tenantId: string, cutoff: Date): Promise<number> {
  const result = await sql`
    delete from integration_health_metrics where id in (
      select id from integration_health_metrics where tenant_id = ${tenantId} and hour < ${cutoff} limit ${BATCH})`.execute(hub.db);
  return Number(result.numAffectedRows ?? 0);
}
