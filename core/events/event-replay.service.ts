import { auditAs } from '../audit/audit-as.ts';
import type { Principal } from '../auth/principal.ts';
import type { EventRow } from '../db/database.types.ts';
import { NotFoundError } from '../http/api-error.ts';
import { enqueueRun } from '../runs/run.jobs.ts';
import type { HubContext } from '../server/hub-context.ts';
import { dispatchEvents } from './event.dispatch.ts';

/**
 * Routes an event again. Route actions that already succeeded for it are not repeated (their run
 * keys exist); failed ones are queued again from scratch.
 */
export async function replayEvent(hub: HubContext, principal: Principal, eventId: string, requestId: string): Promise<EventRow> {
  const row = await hub.db
    .updateTable('integration_events')
    .set({ status: 'pending', processed_at: null })
    .where('tenant_id', '=', principal.tenantId)
    .where('id', '=', eventId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new NotFoundError('event');
  const retried = await hub.db
    .updateTable('integration_runs')
    .set({ status: 'queued', attempts: 0, error_code: null, error_message: null, finished_at: null, next_attempt_at: null })
    .where('event_id', '=', row.id)
    .where('status', '=', 'failed')
    .returning('id')
    .execute();
  for (const run of retried) await enqueueRun(hub, run.id);
  await dispatchEvents(hub, [row.id]);
  await auditAs(hub.db, principal, requestId, {
    action: 'event.replayed',
    targetType: 'event',
    targetId: row.id,
    detail: { type: row.type, failedActionsRetried: retried.length },
  });
  return row;
}
