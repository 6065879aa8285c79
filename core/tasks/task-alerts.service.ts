import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import type { AlertRef, Escalation } from '../../connectors/sdk/task-alerts.types.ts';
import type { Kysely, Transaction } from 'kysely';
import type { Database, IntegrationConfigRow, TaskAlertRow, TaskRow } from '../db/database.types.ts';
import { insertRunOnce } from '../runs/run.repository.ts';
import { dispatchRuns } from '../runs/run.jobs.ts';
import type { HubContext } from '../server/hub-context.ts';

// When to tell people about a task. Each message is an action run on the alerting integration, so
// it is queued, retried with Retry-After, recorded, and — by its idempotency key — sent once.
// A run carries the task's id, not a picture of it: a run may wait (Retry-After, a busy queue) or
// finish out of order, so it draws the task as it is when it runs (task-alert.executor.ts).

export const TASK_ALERT_ACTIONS = {
  post: 'task_alert.post',
  update: 'task_alert.update',
  escalate: 'task_alert.escalate',
  digest: 'task_alert.digest',
} as const;

interface Alerting {
  row: IntegrationConfigRow;
  connector: AnyConnector;
}

type Db = Kysely<Database> | Transaction<Database>;

async function alertingIntegrations(hub: Pick<HubContext, 'connectors'>, db: Db, tenantId: string): Promise<Alerting[]> {
  const rows = await db.selectFrom('integration_configs').selectAll().where('tenant_id', '=', tenantId).where('enabled', '=', true).execute();
  return rows.flatMap((row) => {
    const connector = hub.connectors.get(row.connector);
    return connector?.taskAlerts ? [{ row, connector }] : [];
  });
}

/** What each kind of alert run carries. */
export interface AlertPostInput {
  taskId: string;
  channel: string;
  escalation: Escalation | null;
}
export interface AlertUpdateInput {
  taskId: string;
  ref: AlertRef;
}
export interface AlertEscalateInput extends AlertUpdateInput {
  step: { afterMinutes: number; mention?: string };
}

/** Stores an alert run in `db` (once, by its key): the new run's id, for dispatchRuns once committed. */
async function storeAlertRun(db: Db, integration: IntegrationConfigRow, action: string, key: string, input: unknown): Promise<string[]> {
  const run = await insertRunOnce(db, {
    tenant_id: integration.tenant_id,
    integration_id: integration.id,
    kind: 'action',
    trigger: 'task',
    action,
    input: JSON.stringify(input),
    idempotency_key: key,
    status: 'queued',
  });
  return run ? [run.id] : [];
}

async function queueAlertRun(hub: HubContext, integration: IntegrationConfigRow, action: string, key: string, input: unknown): Promise<void> {
  // Stored first: when the queue cannot take it now, the reconciler does, and whatever asked for the
  // alert goes on.
  await dispatchRuns(hub, await storeAlertRun(hub.db, integration, action, key, input));
}

/**
 * A new task: an alert on every integration of the tenant that has an alert channel. Stored in the
 * task's own transaction, so a task never commits without its alerts (a connection lost between the
 * two left an open task that no later failure, only updating it, would alert); the caller
 * dispatches the returned runs once committed.
 */
export async function storeTaskOpenedAlerts(hub: Pick<HubContext, 'connectors'>, trx: Transaction<Database>, task: TaskRow): Promise<string[]> {
  const runs: string[] = [];
  for (const { row, connector } of await alertingIntegrations(hub, trx, task.tenant_id)) {
    const config = connector.config.parse(row.config);
    const channel = connector.taskAlerts?.alertChannel(config);
    if (!channel) continue;
    const escalation = connector.taskAlerts?.escalation(config);
    runs.push(
      ...(await storeAlertRun(trx, row, TASK_ALERT_ACTIONS.post, `task-alert:${task.id}:${row.id}:${channel}`, {
        taskId: task.id,
        channel,
        escalation: escalation ?? null,
      } satisfies AlertPostInput)),
    );
  }
  return runs;
}

/**
 * Acknowledged, resolved or updated: every posted alert of the task is updated in place. Stored in
 * the change's own transaction, like a new task's alerts; the caller dispatches the returned runs.
 * `coalesce` (a repeat of the failure, which may come every minute): no second update of an alert
 * while one is still queued, as that one draws the task as it is when it runs.
 */
export async function storeTaskChangedAlerts(trx: Transaction<Database>, task: TaskRow, { coalesce = false } = {}): Promise<string[]> {
  const alerts = await trx.selectFrom('task_alerts').selectAll().where('task_id', '=', task.id).execute();
  const runs: string[] = [];
  // One update per change: the stamp alone is the hub's clock in milliseconds, which two repeats of
  // the failure can share; their second update, keyed alike, would not be queued.
  const version = `${task.status}:${task.occurrences}:${task.updated_at.getTime()}`;
  for (const posted of alerts) {
    const integration = await trx.selectFrom('integration_configs').selectAll().where('id', '=', posted.integration_id).executeTakeFirst();
    if (!integration) continue;
    if (coalesce && (await updateQueued(trx, posted))) continue;
    runs.push(
      ...(await storeAlertRun(trx, integration, TASK_ALERT_ACTIONS.update, `task-alert-update:${posted.id}:${version}`, {
        taskId: task.id,
        ref: { channel: posted.channel, ts: posted.ts },
      } satisfies AlertUpdateInput)),
    );
  }
  return runs;
}

/** Whether an update of the posted alert is queued and not yet drawn. */
async function updateQueued(trx: Transaction<Database>, posted: { id: string; integration_id: string }): Promise<boolean> {
  const queued = await trx
    .selectFrom('integration_runs')
    .select('id')
    .where('integration_id', '=', posted.integration_id)
    .where('status', '=', 'queued')
    .where('kind', '=', 'action')
    .where('action', '=', TASK_ALERT_ACTIONS.update)
    .where('idempotency_key', 'like', `task-alert-update:${posted.id}:%`)
    .limit(1)
    .executeTakeFirst();
  return queued !== undefined;
}

/**
 * A task changed while its alert was being drawn and sent (a post waiting out a 429, an escalation
 * marking the alert): one more update draws it as it is now. Keyed by the run that saw the change,
 * so a re-run of that run queues no second one.
 */
export async function queueAlertRedraw(hub: HubContext, integration: IntegrationConfigRow, runId: string, taskId: string, ref: AlertRef): Promise<void> {
  await queueAlertRun(hub, integration, TASK_ALERT_ACTIONS.update, `task-alert-redraw:${runId}`, { taskId, ref } satisfies AlertUpdateInput);
}

/**
 * Records where an alert landed once its post succeeded, with its escalation plan. The post has
 * happened by now: if the record cannot be written, the run must still succeed, or its retry would
 * post the alert a second time. The alert then stays as posted (no in-place updates or escalation
 * for it), which the warning says.
 */
export async function rememberPostedAlert(
  hub: HubContext,
  integration: IntegrationConfigRow,
  input: { alert: { taskId: string }; escalation: Escalation | null },
  ref: { channel: string; ts: string },
): Promise<void> {
  try {
    await savePostedAlert(hub, integration, input, ref);
  } catch (error) {
    hub.logger.warn({ err: error, taskId: input.alert.taskId, integrationId: integration.id }, 'alert posted, but where it landed could not be saved; it will not be updated in place');
  }
}

async function savePostedAlert(hub: HubContext, integration: IntegrationConfigRow, input: { alert: { taskId: string }; escalation: Escalation | null }, ref: { channel: string; ts: string }): Promise<void> {
  await hub.db.transaction().execute(async (trx) => {
    // The integration's row first, as its deletion locks it before the tasks it resolves: the
    // other order could deadlock with it.
    const alerting = await trx.selectFrom('integration_configs').select('id').where('id', '=', integration.id).forKeyShare().executeTakeFirst();
    if (!alerting) return;
    // The task row is held until the record commits. A change of the task looks for its alerts
    // after locking that row, so one committing after this finds the record and updates the alert;
    // one committed before is what the poster (a post run, a route's action) sees when it looks
    // again (recordPostedAlert). Without the lock both could look in between and each miss the
    // other, leaving the alert as posted.
    // A route template names the task; only a task of the alerting integration's tenant counts.
    const task = await trx.selectFrom('tasks').select('tenant_id').where('id', '=', input.alert.taskId).forShare().executeTakeFirst();
    if (task?.tenant_id !== integration.tenant_id) return;
    await trx
      .insertInto('task_alerts')
      .values({
        tenant_id: integration.tenant_id,
        task_id: input.alert.taskId,
        integration_id: integration.id,
        channel: ref.channel,
        ts: ref.ts,
        escalation: input.escalation ? JSON.stringify(input.escalation) : null,
      })
      .onConflict((oc) => oc.columns(['integration_id', 'channel', 'ts']).doNothing())
      .execute();
  });
}

/**
 * Alerts of open tasks past their next escalation step get that step, once. Steps that all came due
 * while nothing escalated (the workers were down) go out as one: the latest, which says how long
 * the alert has really waited, rather than one mention a minute each naming a wait long past.
 */
export async function escalateDueAlerts(hub: HubContext): Promise<number> {
  const now = hub.clock().getTime();
  const candidates = await hub.db
    .selectFrom('task_alerts')
    .innerJoin('tasks', 'tasks.id', 'task_alerts.task_id')
    .selectAll('task_alerts')
    .where('tasks.status', '=', 'open')
    .where('task_alerts.escalation', 'is not', null)
    .execute();
  let escalated = 0;
  for (const posted of candidates) {
    const plan = posted.escalation as Escalation;
    const waited = now - posted.posted_at.getTime();
    // In order, as plans are saved now; one saved out of order earlier still counts each step from the post.
    const steps = [...plan.afterMinutes].sort((a, b) => a - b);
    const due = steps.filter((minutes) => waited >= minutes * 60_000).length;
    const step = steps[due - 1];
    if (step === undefined || due <= posted.escalated_steps) continue;
    if (!(await claimSteps(hub, posted, due))) continue;
    const integration = await hub.db.selectFrom('integration_configs').selectAll().where('id', '=', posted.integration_id).executeTakeFirstOrThrow();
    // The run checks again that the task is still open when it runs: it may wait out a 429.
    await queueAlertRun(hub, integration, TASK_ALERT_ACTIONS.escalate, `task-alert-escalate:${posted.id}:${due}`, {
      taskId: posted.task_id,
      ref: { channel: posted.channel, ts: posted.ts },
      step: { afterMinutes: step, ...(plan.mention ? { mention: plan.mention } : {}) },
    } satisfies AlertEscalateInput);
    escalated += 1;
  }
  return escalated;
}

/** Marks the alert escalated through step `through` (1-based), unless another process did first. */
async function claimSteps(hub: HubContext, posted: TaskAlertRow, through: number): Promise<boolean> {
  const claimed = await hub.db
    .updateTable('task_alerts')
    .set({ escalated_steps: through })
    .where('id', '=', posted.id)
    .where('escalated_steps', '=', posted.escalated_steps)
    .executeTakeFirst();
  return claimed.numUpdatedRows > 0n;
}
