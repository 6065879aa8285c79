import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import type { AlertRef, Digest, Escalation, TaskAlert } from '../../connectors/sdk/task-alerts.types.ts';
import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import type { HubContext } from '../server/hub-context.ts';
import { rememberPostedAlert, TASK_ALERT_ACTIONS } from './task-alerts.service.ts';

type AlertInput =
  | { alert: TaskAlert; channel: string; escalation: Escalation | null }
  | { alert: TaskAlert; ref: AlertRef; step?: { afterMinutes: number; mention?: string } }
  | { channel: string; digest: Digest };

/** Executes one task-alert run (post, update, escalate, digest) through the connector's channel. */
export async function runTaskAlert(hub: HubContext, connector: AnyConnector, integration: IntegrationConfigRow, run: RunRow): Promise<unknown> {
  const channel = connector.taskAlerts;
  if (!channel) throw new ConnectorError('config_invalid', `${connector.id} does not send task alerts`);
  const ctx = connectorContext(hub, connector, integration);
  const input = run.input as AlertInput;
  switch (run.action) {
    case TASK_ALERT_ACTIONS.post: {
      const post = input as Extract<AlertInput, { escalation: Escalation | null }>;
      const ref = await channel.post(ctx, post.alert, post.channel);
      await rememberPostedAlert(hub, integration, post, ref);
      return { channel: ref.channel, ts: ref.ts };
    }
    case TASK_ALERT_ACTIONS.update: {
      const update = input as Extract<AlertInput, { ref: AlertRef }>;
      await channel.update(ctx, update.ref, update.alert);
      return { updated: update.ref };
    }
    case TASK_ALERT_ACTIONS.escalate: {
      const escalate = input as Extract<AlertInput, { ref: AlertRef }>;
      await channel.escalate(ctx, escalate.ref, escalate.alert, escalate.step ?? { afterMinutes: 0 });
      return { escalated: escalate.ref, step: escalate.step };
    }
    case TASK_ALERT_ACTIONS.digest: {
      const digest = input as Extract<AlertInput, { digest: Digest }>;
      await channel.sendDigest(ctx, digest.channel, digest.digest);
      return { channel: digest.channel, period: digest.digest.period };
    }
    default:
      throw new ConnectorError('config_invalid', `unknown task alert action ${run.action}`);
  }
}
