import { isUniqueViolation } from '../db/postgres-errors.ts';
import type { Database, TaskRow } from '../db/database.types.ts';
import type { Transaction } from 'kysely';
import { runbookPath } from '../runbooks/failure-codes.ts';
import { getRunbook } from '../runbooks/runbook.repository.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { AuditActor } from '../audit/audit-as.ts';
import { firstFailingOperations, withFailingOperation } from './failing-operations.ts';
import { addHistory, nextTaskNumber } from './task.repository.ts';
import { changeTaskStatus } from './task-status-change.ts';
import { dispatchRuns } from '../runs/run.jobs.ts';
import { storeTaskChangedAlerts, storeTaskOpenedAlerts } from './task-alerts.service.ts';

export interface FailureToTrack {
  tenantId: string;
  integrationId: string;
  integrationName: string;
  code: string;
  message: string;
  /**
   * What failed (`poll:<stream>`, `action:<action>`, `check`; run.operation.ts): the task stays open
   * until each operation it lists has succeeded again. Null for a reminder that no run settles.
   */
  operation: string | null;
  /**
   * The failure is a task alert's own (posting or updating one): it counts on its task like any
   * other, but redraws no alert, as a redraw failing alike would repeat the task again, without end.
   */
  fromTaskAlert?: boolean;
}

/**
 * One unresolved task per (integration, failure code): a repeat failure updates the open task
 * (occurrences, last error, the operations failing) instead of opening another. Returns the task
 * and whether it is new.
 */
export async function openOrUpdateTask(hub: HubContext, failure: FailureToTrack): Promise<{ task: TaskRow; opened: boolean }> {
  const runbook = await getRunbook(failure.code);
  for (let attempt = 0; attempt < 3; attempt++) {
    // A repeat changes what the task's alerts show (occurrences, last error): they are redrawn.
    const repeated = await hub.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('tasks')
        .set((eb) => ({
          occurrences: eb('occurrences', '+', 1),
          last_error: failure.message,
          updated_at: hub.clock(),
          ...(failure.operation === null ? {} : { failing_operations: withFailingOperation(failure.operation) }),
        }))
        .where('integration_id', '=', failure.integrationId)
        .where('code', '=', failure.code)
        .where('status', '<>', 'resolved')
        .returningAll()
        .executeTakeFirst();
      return row && { task: row, alertRuns: failure.fromTaskAlert ? [] : await storeTaskChangedAlerts(trx, row, { coalesce: true }) };
    });
    if (repeated) {
      await dispatchRuns(hub, repeated.alertRuns);
      return { task: repeated.task, opened: false };
    }
    try {
      const { task, alertRuns } = await hub.db.transaction().execute(async (trx) => {
        const number = await nextTaskNumber(trx, failure.tenantId);
        const row = await trx
          .insertInto('tasks')
          .values({
            tenant_id: failure.tenantId,
            number,
            integration_id: failure.integrationId,
            code: failure.code,
            runbook: runbookPath(failure.code),
            title: `${failure.integrationName}: ${runbook?.title ?? failure.code}`,
            severity: runbook?.severity ?? 'high',
            status: 'open',
            last_error: failure.message,
            failing_operations: firstFailingOperations(failure.operation),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await addHistory(trx, row, 'opened', 'system', failure.message);
        return { task: row, alertRuns: await storeTaskOpenedAlerts(hub, trx, row) };
      });
      await dispatchRuns(hub, alertRuns);
      return { task, opened: true };
    } catch (error) {
      // Another process opened the same task between our update and insert: update that one.
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new Error(`could not open or update the ${failure.code} task of integration ${failure.integrationId}`);
}

/**
 * Resolves the integration's unresolved tasks (only those with a code in `codes`, when given), each
 * with a history row saying why and its alert updates, in one transaction; the alert updates are
 * queued after the commit.
 */
export async function resolveIntegrationTasks(
  hub: HubContext,
  integrationId: string,
  { actor, why, codes }: { actor: string; why: string; codes?: readonly string[] },
): Promise<TaskRow[]> {
  const { tasks, alertRuns } = await hub.db.transaction().execute((trx) => resolveIntegrationTasksIn(trx, integrationId, { actor, why, codes, now: hub.clock() }));
  await dispatchRuns(hub, alertRuns);
  return tasks;
}

/**
 * The integration's unresolved tasks resolved in the caller's transaction, with their history and
 * their alert updates stored; dispatching `alertRuns` is the caller's, once it has committed.
 */
export async function resolveIntegrationTasksIn(
  trx: Transaction<Database>,
  integrationId: string,
  { actor, why, codes, now }: { actor: string; why: string; codes?: readonly string[] | undefined; now: Date },
): Promise<{ tasks: TaskRow[]; alertRuns: string[] }> {
  let update = trx
    .updateTable('tasks')
    .set({ status: 'resolved', resolved_by: actor, resolved_at: now, updated_at: now })
    .where('integration_id', '=', integrationId)
    .where('status', '<>', 'resolved');
  if (codes) update = update.where('code', 'in', [...codes]);
  const tasks = await update.returningAll().execute();
  const alertRuns: string[] = [];
  for (const task of tasks) {
    await addHistory(trx, task, 'resolved', actor, why);
    alertRuns.push(...(await storeTaskChangedAlerts(trx, task)));
  }
  return { tasks, alertRuns };
}

export async function acknowledgeTask(hub: HubContext, tenantId: string, id: string, actor: string, note: string | undefined, audit: AuditActor): Promise<TaskRow> {
  return changeTaskStatus(hub, { tenantId, id, to: 'acknowledged', actor, note, audit });
}

/** Resolves an open or acknowledged task. `audit` names the actor for the audit log entry written with it. */
export async function resolveTask(hub: HubContext, tenantId: string, id: string, actor: string, note: string | undefined, audit: AuditActor): Promise<TaskRow> {
  return changeTaskStatus(hub, { tenantId, id, to: 'resolved', actor, note, audit });
}
