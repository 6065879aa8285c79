import type { ConnectorContext } from '../../connectors/sdk/connector.types.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { AlertMessageGoneError, type AlertRef } from '../../connectors/sdk/task-alerts.types.ts';
import type { IntegrationConfigRow, RunRow, TaskRow } from '../db/database.types.ts';
import { isoMicros } from '../db/keyset.ts';
import type { HubContext } from '../server/hub-context.ts';
import { taskAlertView } from './task-alert.view.ts';
import { queueAlertRedraw } from './task-alerts.service.ts';

// An alert shows its task as it is, whatever order the runs that draw it finish in: each run reads
// the task when it runs, and after sending checks that the task has not changed since it read it.
// A send that lands late (a chat.update waiting out a 429 with what it read before) is then
// followed by a fresh drawing, so the last message Slack gets is never older than the task.

/** A task as read to be drawn: with its last change at PostgreSQL's full precision. */
export type DrawnTask = TaskRow & { updated_at_iso: string };

/** What an alert shows of its task (task-alert.view.ts): a change of any of them is a new drawing. */
const SHOWN = ['status', 'title', 'code', 'severity', 'integration_id', 'occurrences', 'last_error', 'acknowledged_by', 'resolved_by'] as const;

/**
 * Every change to a task stamps updated_at (task.service.ts, task-status-change.ts, task-recovery.ts),
 * but with the hub's clock, in milliseconds: two changes within one (a repeat of the failure and an
 * acknowledgement) can share a stamp. So the fields an alert shows are compared too, and the stamp
 * as PostgreSQL keeps it, not as a Date cuts it.
 */
function sameVersion(a: DrawnTask, b: DrawnTask): boolean {
  return a.updated_at_iso === b.updated_at_iso && SHOWN.every((field) => a[field] === b[field]);
}

/** Rounds of draw-then-check before leaving the rest to the update runs of later changes. */
const MAX_DRAWINGS = 3;

/** The task as it is now, if it is still the alerting integration's tenant's. */
export function currentTask(hub: HubContext, integration: IntegrationConfigRow, taskId: string): Promise<DrawnTask | undefined> {
  return hub.db
    .selectFrom('tasks')
    .selectAll()
    .select(isoMicros('updated_at').as('updated_at_iso'))
    .where('id', '=', taskId)
    .where('tenant_id', '=', integration.tenant_id)
    .executeTakeFirst();
}

/** What an update run drew: the task as last shown (undefined: the task is gone), or nothing, the message being gone. */
export type Drawn = { shown: TaskRow | undefined } | { messageGone: true };

/**
 * Updates a posted alert in place to show the task as it is now: idempotent, so update runs may
 * run in any order, twice, or late. A message deleted in the chat has nothing left to update: that
 * is not a failure of the alerting integration, and its reference is dropped (forgetAlert).
 */
export async function drawCurrent(
  hub: HubContext,
  channel: NonNullable<AnyConnector['taskAlerts']>,
  ctx: ConnectorContext,
  integration: IntegrationConfigRow,
  taskId: string,
  ref: AlertRef,
): Promise<Drawn> {
  let task = await currentTask(hub, integration, taskId);
  for (let drawing = 1; task; drawing += 1) {
    try {
      await channel.update(ctx, ref, await taskAlertView(hub, task));
    } catch (error) {
      if (!(error instanceof AlertMessageGoneError)) throw error;
      await forgetAlert(hub, integration, ref);
      return { messageGone: true };
    }
    const now = await currentTask(hub, integration, taskId);
    if (!now || sameVersion(now, task) || drawing === MAX_DRAWINGS) return { shown: task };
    task = now;
  }
  return { shown: undefined };
}


/**
 * Drops the saved reference of an alert whose message is gone, so that the task's later changes
 * queue no update of it and its escalation steps stop.
 */
export async function forgetAlert(hub: HubContext, integration: IntegrationConfigRow, ref: AlertRef): Promise<void> {
  await hub.db
    .deleteFrom('task_alerts')
    .where('tenant_id', '=', integration.tenant_id)
    .where('integration_id', '=', integration.id)
    .where('channel', '=', ref.channel)
    .where('ts', '=', ref.ts)
    .execute();
}

/**
 * After a message that must not be sent twice (a post, an escalation) went out showing `drawn`: if
 * the task changed meanwhile, an update run draws it again. The message is out, so nothing here may
 * fail the run, whose retry would send it a second time; a failure is only logged.
 */
export async function redrawIfChanged(hub: HubContext, integration: IntegrationConfigRow, run: Pick<RunRow, 'id'>, drawn: DrawnTask, ref: AlertRef): Promise<void> {
  try {
    const now = await currentTask(hub, integration, drawn.id);
    if (now && !sameVersion(now, drawn)) await queueAlertRedraw(hub, integration, run.id, drawn.id, ref);
  } catch (error) {
    hub.logger.warn({ err: error, taskId: drawn.id, integrationId: integration.id }, 'the task changed while its alert was sent, and the alert could not be queued for redrawing');
  }
}
