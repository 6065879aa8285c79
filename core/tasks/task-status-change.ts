import type { Updateable } from 'kysely';
import type { AuditActor } from '../audit/audit-as.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { TaskRow, TasksTable } from '../db/database.types.ts';
import { ApiError, NotFoundError } from '../http/api-error.ts';
import type { HubContext } from '../server/hub-context.ts';
import { isoMicros } from '../db/keyset.ts';
import { addHistory, findTask } from './task.repository.ts';
import { dispatchRuns } from '../runs/run.jobs.ts';
import { storeTaskChangedAlerts } from './task-alerts.service.ts';

type PersonChange = 'acknowledged' | 'resolved';

const TRANSITIONS: Record<PersonChange, { from: ReadonlyArray<TaskRow['status']>; stamp: (actor: string, at: Date) => Updateable<TasksTable> }> = {
  acknowledged: { from: ['open'], stamp: (actor, at) => ({ acknowledged_by: actor, acknowledged_at: at }) },
  resolved: { from: ['open', 'acknowledged'], stamp: (actor, at) => ({ resolved_by: actor, resolved_at: at }) },
};

export interface TaskStatusChange {
  tenantId: string;
  id: string;
  to: PersonChange;
  /** The name kept on the task and in its history. */
  actor: string;
  note?: string | undefined;
  /** Who made the change, for the `task.<to>` audit entry written in the same transaction. */
  audit: AuditActor;
}

function conflict(task: TaskRow, to: PersonChange): ApiError {
  const message = to === 'resolved' ? `TASK-${task.number} is already resolved` : `TASK-${task.number} is ${task.status}, not open`;
  return new ApiError(409, 'conflict', message);
}

/**
 * A person acknowledges or resolves a task. The status test is part of the UPDATE, so of two
 * concurrent changes one wins and the other, re-checking the row it waited for, gets a 409 rather
 * than an error. The new status, its history row and its audit entry commit together: a failure
 * half-way leaves the task as it was. The Slack alert is updated only after the commit.
 */
export async function changeTaskStatus(hub: HubContext, change: TaskStatusChange): Promise<TaskRow> {
  const transition = TRANSITIONS[change.to];
  const { row, alertRuns } = await hub.db.transaction().execute(async (trx) => {
    const now = hub.clock();
    const changed = await trx
      .updateTable('tasks')
      .set({ status: change.to, ...transition.stamp(change.actor, now), updated_at: now })
      .where('tenant_id', '=', change.tenantId)
      .where('id', '=', change.id)
      .where('status', 'in', [...transition.from])
      .returningAll()
      .returning(isoMicros('opened_at').as('opened_at_iso'))
      .executeTakeFirst();
    if (!changed) {
      const current = await findTask(trx, change.tenantId, change.id);
      throw current ? conflict(current, change.to) : new NotFoundError('task');
    }
    await addHistory(trx, changed, change.to, change.actor, change.note);
    const { detail, ...actor } = change.audit;
    await recordAudit(trx, {
      tenantId: change.tenantId,
      ...actor,
      action: `task.${change.to}`,
      targetType: 'task',
      targetId: changed.id,
      detail: { ...detail, key: `TASK-${changed.number}` },
    });
    return { row: changed, alertRuns: await storeTaskChangedAlerts(trx, changed) };
  });
  // Stored with the change: with the queue away, the reconciler queues them.
  await dispatchRuns(hub, alertRuns);
  return row;
}
