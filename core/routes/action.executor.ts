import { ConnectorError } from '../../connectors/sdk/failure.ts';
import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import { recordSuccess } from '../runs/failure.service.ts';
import { handleRunError, settleRun } from '../runs/run.settle.ts';
import type { HubContext } from '../server/hub-context.ts';
import { runTaskAlert } from '../tasks/task-alert.executor.ts';
import { rememberPostedAlert } from '../tasks/task-alerts.service.ts';

/**
 * Runs a route's action on the target integration with the run's idempotency key. The worker keeps
 * the run's heartbeat going meanwhile (run.heartbeat.ts), so an action that outlasts the lease is
 * not handed to a second worker and executed twice.
 */
export async function executeAction(hub: HubContext, run: RunRow, integration: IntegrationConfigRow): Promise<void> {
  try {
    const connector = hub.connectors.get(integration.connector);
    if (connector && run.action?.startsWith('task_alert.')) {
      const result = await runTaskAlert(hub, connector, integration, run);
      // A failing alert run opens a task keyed by its action like any action run; only the success
      // of that action (a later alert sent) can take the key off again.
      const succeeded = await settleRun(hub, run, { status: 'succeeded', result }, () => recordSuccess(hub, integration, run));
      if (succeeded) hub.metrics.runs.inc({ connector: connector.id, kind: 'action', status: 'succeeded' });
      return;
    }
    const action = run.action ? connector?.actions?.[run.action] : undefined;
    if (!connector || !action) throw new ConnectorError('config_invalid', `${integration.connector} has no action "${run.action}"`);
    const input = action.input.safeParse(run.input);
    if (!input.success) {
      const fields = input.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
      throw new ConnectorError('config_invalid', `the route's input does not fit ${connector.id}.${run.action}: ${fields}`);
    }
    const ctx = connectorContext(hub, connector, integration);
    const result = await action.run(ctx, input.data, { idempotencyKey: run.idempotency_key });
    if (result.taskAlert) {
      const { taskId, channel, ts, escalation } = result.taskAlert;
      await rememberPostedAlert(hub, integration, { alert: { taskId }, escalation: escalation ?? null }, { channel, ts });
    }
    const succeeded = await settleRun(hub, run, { status: 'succeeded', result }, () => recordSuccess(hub, integration, run));
    if (succeeded) hub.metrics.runs.inc({ connector: connector.id, kind: 'action', status: 'succeeded' });
  } catch (error) {
    await handleRunError(hub, run, integration, error);
  }
}
