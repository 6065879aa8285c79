import { sql } from 'kysely';
import type { TaskRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { isFailing, withoutFailingOperation } from './failing-operations.ts';
import { dispatchRuns } from '../runs/run.jobs.ts';
import { storeTaskChangedAlerts } from './task-alerts.service.ts';
import { addHistory } from './task.repository.ts';

// A success settles only what it proves. A failure task remembers the operations that failed with
// its code; the success of one of them takes it off the list, and the task resolves when the list
// is empty. A stream that polls fine therefore leaves open the task of another stream that keeps
// failing, instead of resolving it only for the next failure to open a new task and a new alert.

/** Working credentials fix these wherever they failed, so a passing check resolves them outright. */
const CREDENTIAL_CODES = ['auth_invalid', 'auth_expired'];

export interface OperationSuccess {
  integrationId: string;
  /** What succeeded: `poll:<stream>`, `action:<action>[:route:<routeId>]` or `check` (run.operation.ts). */
  operation: string;
  /** Keys the same operation had in tasks opened by earlier versions, settled with it. */
  formerKeys?: readonly string[];
  /** A connection check passed with the stored credentials. */
  credentialsProven: boolean;
  /** The history note of each task the success resolves. */
  why: string;
}

/**
 * Takes the operation off the integration's unresolved failure tasks and resolves those with
 * nothing left failing. One UPDATE computes both from the locked row, so a failure or success
 * finishing at the same moment in another worker is applied before or after, never lost; the
 * history rows commit with it. Tasks from before operations were tracked have an empty list: any
 * success resolves them, as it always did. Expiry reminders are never settled by a run.
 * Returns the tasks it resolved.
 */
export function settleTasksAfterSuccess(hub: HubContext, success: OperationSuccess): Promise<TaskRow[]> {
  return settleOperation(hub, { ...success, keys: [success.operation, ...(success.formerKeys ?? [])], includeUntrackedTasks: true });
}

/**
 * An operation that will never run again (its route was deleted, or now acts elsewhere) is taken
 * off the integration's unresolved failure tasks, which resolve when nothing else is failing: no
 * success could ever settle it. Tasks from before operations were tracked stay as they are.
 */
export function withdrawOperation(hub: HubContext, withdrawn: { integrationId: string; operation: string; why: string }): Promise<TaskRow[]> {
  return settleOperation(hub, { ...withdrawn, keys: [withdrawn.operation], credentialsProven: false, includeUntrackedTasks: false });
}

interface Settlement {
  integrationId: string;
  /** The operation's key, then any former keys of it. */
  keys: readonly string[];
  credentialsProven: boolean;
  /** Whether tasks with no operations listed (from before they were tracked) resolve too. */
  includeUntrackedTasks: boolean;
  why: string;
}

async function settleOperation(hub: HubContext, settlement: Settlement): Promise<TaskRow[]> {
  const now = hub.clock();
  const { keys } = settlement;
  const remaining = keys.slice(1).reduce((list, key) => sql<string[]>`array_remove(${list}, ${key}::text)`, withoutFailingOperation(keys[0]!));
  const resolves = settlement.credentialsProven
    ? sql<boolean>`(cardinality(${remaining}) = 0 or code in (${sql.join(CREDENTIAL_CODES)}))`
    : sql<boolean>`(cardinality(${remaining}) = 0)`;
  const { resolved, alertRuns } = await hub.db.transaction().execute(async (trx) => {
    const settled = await trx
      .updateTable('tasks')
      .set({
        failing_operations: remaining,
        status: sql<TaskRow['status']>`case when ${resolves} then 'resolved' else status end`,
        resolved_by: sql<string | null>`case when ${resolves} then 'system' else resolved_by end`,
        resolved_at: sql<Date | null>`case when ${resolves} then ${now}::timestamptz else resolved_at end`,
        updated_at: now,
      })
      .where('integration_id', '=', settlement.integrationId)
      .where('status', '<>', 'resolved')
      .where('code', '<>', 'credential_expiring')
      .where((eb) =>
        eb.or([
          ...keys.map((key) => isFailing(key)),
          ...(settlement.includeUntrackedTasks ? [sql<boolean>`cardinality(failing_operations) = 0`] : []),
          ...(settlement.credentialsProven ? [eb('code', 'in', CREDENTIAL_CODES)] : []),
        ]),
      )
      .returningAll()
      .execute();
    const rows = settled.filter((task) => task.status === 'resolved');
    const alerts: string[] = [];
    for (const task of rows) {
      await addHistory(trx, task, 'resolved', 'system', settlement.why);
      alerts.push(...(await storeTaskChangedAlerts(trx, task)));
    }
    return { resolved: rows, alertRuns: alerts };
  });
  await dispatchRuns(hub, alertRuns);
  return resolved;
}
