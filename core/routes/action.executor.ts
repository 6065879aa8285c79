import type { ActionResult } from '../../connectors/sdk/connector.types.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import { handleRunError } from '../runs/run.settle.ts';
import type { HubContext } from '../server/hub-context.ts';
import { currentTask, type DrawnTask } from '../tasks/task-alert.drawing.ts';
import { runTaskAlert } from '../tasks/task-alert.executor.ts';
import { recordPostedAlert } from '../tasks/task-alert.posted.ts';
import { rememberPostedAlert } from '../tasks/task-alerts.service.ts';
import { recordActionSuccess, type Bookkeeping } from './action.success.ts';
import { whyUnrendered } from './unrendered-input.ts';

interface Done {
  result: unknown;
  /** What the action's own effect needs remembered (a posted alert), after it is made. */
  remember?: Bookkeeping;
}

/** Runs the action itself; throws only when the action did not take effect. */
async function perform(hub: HubContext, run: RunRow, integration: IntegrationConfigRow): Promise<Done> {
  const connector = hub.connectors.get(integration.connector);
  if (connector && run.action?.startsWith('task_alert.')) {
    // A failing alert run opens a task keyed by its action like any action run; only the success
    // of that action (a later alert sent) can take the key off again.
    return { result: await runTaskAlert(hub, connector, integration, run) };
  }
  const action = run.action ? connector?.actions?.[run.action] : undefined;
  if (!connector || !action) throw new ConnectorError('config_invalid', `${integration.connector} has no action "${run.action}"`);
  const unrendered = whyUnrendered(run.input);
  if (unrendered !== undefined) throw new ConnectorError('config_invalid', unrendered);
  const input = action.input.safeParse(run.input);
  if (!input.success) {
    const fields = input.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new ConnectorError('config_invalid', `the route's input does not fit ${connector.id}.${run.action}: ${fields}`);
  }
  const before = await taskBeforeAction(hub, integration, input.data);
  const ctx = connectorContext(hub, connector, integration);
  const result = await action.run(ctx, input.data, { idempotencyKey: run.idempotency_key });
  return result.taskAlert ? { result, remember: rememberTaskAlert(hub, integration, run, result.taskAlert, before) } : { result };
}

/**
 * The task an action's input ties its alert to (`taskId`, as Slack's `alert` takes it), as it is
 * before the action draws the alert: what the look after saving the alert compares with.
 */
async function taskBeforeAction(hub: HubContext, integration: IntegrationConfigRow, input: unknown): Promise<DrawnTask | undefined> {
  const taskId = typeof input === 'object' && input !== null && 'taskId' in input ? input.taskId : undefined;
  return typeof taskId === 'string' ? currentTask(hub, integration, taskId) : undefined;
}

/**
 * An alert the action tied to a task is saved and then, like the task's own post, redrawn if the
 * task changed since the action drew it: a change committed before the save could find no alert
 * to update, and would leave this one as the action drew it for good.
 */
function rememberTaskAlert(hub: HubContext, integration: IntegrationConfigRow, run: RunRow, posted: NonNullable<ActionResult['taskAlert']>, before: DrawnTask | undefined): Bookkeeping {
  const ref = { channel: posted.channel, ts: posted.ts };
  const escalation = posted.escalation ?? null;
  if (before?.id === posted.taskId) return () => recordPostedAlert(hub, integration, run, before, escalation, ref);
  // No such task of the tenant before the post (the save then finds none either), or one the input
  // named otherwise: nothing to compare with.
  return () => rememberPostedAlert(hub, integration, { alert: { taskId: posted.taskId }, escalation }, ref);
}

/**
 * Runs a route's action on the target integration with the run's idempotency key. The worker keeps
 * the run's heartbeat going meanwhile (run.heartbeat.ts), so an action that outlasts the lease is
 * not handed to a second worker and executed twice. Only an error of the action itself is its
 * failure; what happens after it returned is the success's bookkeeping (action.success.ts).
 */
export async function executeAction(hub: HubContext, run: RunRow, integration: IntegrationConfigRow): Promise<void> {
  let done: Done;
  try {
    done = await perform(hub, run, integration);
  } catch (error) {
    await handleRunError(hub, run, integration, error);
    return;
  }
  await recordActionSuccess(hub, run, integration, done.result, done.remember);
}
