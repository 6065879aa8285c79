import { defineConnector } from '../sdk/define-connector.ts';
import { slackActions } from './actions.ts';
import { SlackConfig, SlackConfigOnSave, SlackCredentials } from './config.ts';
import { callSlack } from './slack-api.ts';
import { slackTaskAlerts } from './task-alerts.ts';
import { slackWebhook } from './webhook.ts';

export const slack = defineConnector({
  id: 'slack',
  displayName: 'Slack',
  description: 'Alerts with Acknowledge/Runbook/Retry buttons, the /hub slash command, digests and escalation.',
  config: SlackConfig,
  configOnSave: SlackConfigOnSave,
  credentials: SlackCredentials,
  auth: [
    { type: 'bearer', description: 'Bot User OAuth Token (xoxb-…) of the hub\'s Slack app' },
    { type: 'webhook_signature', scheme: 'slack_v0', description: 'Signing secret: every command, button and event is verified (v0, ±5 minutes)' },
  ],
  baseUrl: (config) => config.slackApiUrl,
  async check(ctx) {
    const identity = await callSlack<{ ok: boolean; team?: string; user?: string }>(ctx, 'auth.test', {});
    return { ok: true, detail: `connected to ${identity.team ?? 'the workspace'} as ${identity.user ?? 'the bot'}` };
  },
  streams: {},
  webhook: slackWebhook,
  actions: slackActions,
  taskAlerts: slackTaskAlerts,
});
