import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import { AlertMessageGoneError, type Digest } from '../../connectors/sdk/task-alerts.types.ts';
import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import type { HubContext } from '../server/hub-context.ts';
import { buildDigest, type DigestInput } from './digest.service.ts';
import { currentTask, drawCurrent, forgetAlert, redrawIfChanged } from './task-alert.drawing.ts';
import { recordPostedAlert } from './task-alert.posted.ts';
import { taskAlertView } from './task-alert.view.ts';
import { TASK_ALERT_ACTIONS, type AlertEscalateInput, type AlertPostInput, type AlertUpdateInput } from './task-alerts.service.ts';

/** Runs queued before alert runs carried the task's id carry the drawn alert, which holds it. */
type Queued<Input extends { taskId: string }> = Omit<Input, 'taskId'> & { taskId?: string; alert?: { taskId: string } };

function taskIdOf(input: Queued<{ taskId: string }>): string {
  const taskId = input.taskId ?? input.alert?.taskId;
  if (!taskId) throw new ConnectorError('config_invalid', 'the alert run names no task');
  return taskId;
}

/** Executes one task-alert run (post, update, escalate, digest) through the connector's channel. */
export async function runTaskAlert(hub: HubContext, connector: AnyConnector, integration: IntegrationConfigRow, run: RunRow): Promise<unknown> {
  const channel = connector.taskAlerts;
  if (!channel) throw new ConnectorError('config_invalid', `${connector.id} does not send task alerts`);
  const ctx = connectorContext(hub, connector, integration);
  switch (run.action) {
    case TASK_ALERT_ACTIONS.post: {
      const post = run.input as Queued<AlertPostInput>;
      const task = await currentTask(hub, integration, taskIdOf(post));
      if (!task) return { skipped: 'the task no longer exists' };
      const ref = await channel.post(ctx, await taskAlertView(hub, task), post.channel);
      await recordPostedAlert(hub, integration, run, task, post.escalation, ref);
      return { channel: ref.channel, ts: ref.ts };
    }
    case TASK_ALERT_ACTIONS.update: {
      const update = run.input as Queued<AlertUpdateInput>;
      const drawn = await drawCurrent(hub, channel, ctx, integration, taskIdOf(update), update.ref);
      // Deleted in the chat: the run succeeds, there being nothing to update.
      if ('messageGone' in drawn) return { skipped: 'the alert message no longer exists', ref: update.ref };
      return { updated: update.ref, status: drawn.shown?.status ?? 'task no longer exists' };
    }
    case TASK_ALERT_ACTIONS.escalate: {
      const escalate = run.input as Queued<AlertEscalateInput>;
      const task = await currentTask(hub, integration, taskIdOf(escalate));
      // Acknowledged or resolved since the step came due (the run may have waited out a 429).
      if (task?.status !== 'open') return { skipped: `the task is ${task?.status ?? 'gone'}`, step: escalate.step };
      try {
        await channel.escalate(ctx, escalate.ref, await taskAlertView(hub, task), escalate.step ?? { afterMinutes: 0 });
      } catch (error) {
        if (!(error instanceof AlertMessageGoneError)) throw error;
        // Deleted in the chat: nobody is called about it, now or at a later step.
        await forgetAlert(hub, integration, escalate.ref);
        return { skipped: 'the alert message no longer exists', step: escalate.step };
      }
      // The escalation redrew the alert as the task was; a change since then must not be undone.
      await redrawIfChanged(hub, integration, run, task, escalate.ref);
      return { escalated: escalate.ref, step: escalate.step };
    }
    case TASK_ALERT_ACTIONS.digest: {
      // Drawn when sent, not when queued: a digest held back (a paused integration) shows the tasks as they are.
      // Runs queued by the previous version carry only the digest as it was then.
      const input = run.input as DigestInput | { channel: string; digest: Digest };
      const digest = 'period' in input ? await buildDigest(hub, integration.tenant_id, input.period, new Date(input.since)) : input.digest;
      await channel.sendDigest(ctx, input.channel, digest);
      return { channel: input.channel, period: digest.period };
    }
    default:
      throw new ConnectorError('config_invalid', `unknown task alert action ${run.action}`);
  }
}
