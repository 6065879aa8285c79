import { ConnectorError } from '../sdk/failure.ts';
import { AlertMessageGoneError, type TaskAlert, type TaskAlertChannel } from '../sdk/task-alerts.types.ts';
import { workspaceToName } from './app-workspace.ts';
import { alertBlocks, alertText, digestBlocks, escapeMrkdwn } from './blocks.ts';
import type { SlackConfig, SlackCredentials } from './config.ts';
import { callSlack } from './slack-api.ts';

/** Who acted on the alert's task, for the state line. */
const actorsOf = (alert: TaskAlert) => [alert.acknowledgedBy, alert.resolvedBy];

export const slackTaskAlerts: TaskAlertChannel<SlackConfig, SlackCredentials> = {
  alertChannel: (config) => config.alertChannel,
  escalation: (config) => config.escalation,
  digest: (config) => config.digest,

  async post(ctx, alert, channel) {
    const posted = await callSlack<{ ok: boolean; channel: string; ts: string }>(ctx, 'chat.postMessage', {
      channel,
      text: alertText(alert),
      blocks: alertBlocks(alert, { workspace: await workspaceToName(ctx, actorsOf(alert)) }),
      unfurl_links: false,
    });
    return { channel: posted.channel, ts: posted.ts, externalId: posted.ts };
  },

  async update(ctx, ref, alert) {
    const workspace = await workspaceToName(ctx, actorsOf(alert));
    await callSlack(ctx, 'chat.update', { channel: ref.channel, ts: ref.ts, text: alertText(alert), blocks: alertBlocks(alert, { workspace }) });
  },

  async escalate(ctx, ref, alert, step) {
    // The alert is marked escalated first: one deleted in Slack answers message_not_found here
    // (AlertMessageGoneError, the end of the alert for the runtime) before anyone is called about
    // it. Any other failure of that line, which is cosmetic, does not hold the mention back.
    const view = { workspace: await workspaceToName(ctx, actorsOf(alert)), escalatedAfterMinutes: step.afterMinutes };
    await callSlack(ctx, 'chat.update', { channel: ref.channel, ts: ref.ts, text: alertText(alert), blocks: alertBlocks(alert, view) }).catch((error: unknown) => {
      if (error instanceof AlertMessageGoneError) throw error;
      ctx.logger.warn({ code: error instanceof ConnectorError ? error.code : 'unknown', channel: ref.channel }, 'marking the alert escalated failed; escalating anyway');
    });
    // The mention is the hub's own configuration (validated as a mention) and must stay live;
    // everything after it comes from the task and upstream, so it is escaped.
    const who = step.mention ? `${step.mention} ` : '';
    // A 429 is not sat out here with this message in hand: someone may acknowledge the task
    // meanwhile. The runtime re-runs the escalation after Retry-After, and the re-run first checks
    // that the task is still open.
    await callSlack(
      ctx,
      'chat.postMessage',
      {
        channel: ref.channel,
        thread_ts: ref.ts,
        reply_broadcast: true,
        text: `${who}${escapeMrkdwn(`${alert.key} is still unacknowledged after ${step.afterMinutes} minutes: ${alert.title}. Runbook: ${alert.runbookUrl}`)}`,
      },
      { waitOutRateLimit: false },
    );
  },

  async sendDigest(ctx, channel, digest) {
    const workspace = await workspaceToName(ctx, digest.acknowledgedTasks.map((task) => task.acknowledgedBy));
    await callSlack(ctx, 'chat.postMessage', { channel, text: `Integration hub ${digest.period} digest`, blocks: digestBlocks(digest, workspace) });
  },
};
