import { z } from 'zod';
import type { ActionDefinition } from '../sdk/connector.types.ts';
import { ConnectorError } from '../sdk/failure.ts';
import type { SlackConfig, SlackCredentials } from './config.ts';
import { escapedWithin, escapeMrkdwn, isWebUrl } from './blocks.ts';
import { callSlack } from './slack-api.ts';
import { mrkdwnTemplateValues } from './mrkdwn-template-values.ts';
import { storableText } from '../sdk/storable-text.ts';

// Slack's limits on what a message holds. Values come from events, whose length no template can
// change: past a limit they are cut, not refused, or the alert of a long incident never goes out.
/** A header block's text. */
const HEADER_MAX = 150;
/** A section block's text. */
const SECTION_MAX = 3000;
/** chat.postMessage's `text`; Slack cuts a longer one itself. */
const MESSAGE_MAX = 40_000;

const AlertInput = z.strictObject({
  channel: z.string().regex(/^[CGD][A-Z0-9]{2,}$/).optional().describe('default: the integration\'s alertChannel'),
  title: z.string().min(1).describe('cut to 150 characters in the header'),
  text: z.string().optional().describe('cut to 3,000 characters'),
  severity: z.enum(['critical', 'high', 'medium', 'low']).optional(),
  code: z.string().optional(),
  runbookUrl: z.string().optional(),
  /** Tie the alert to a remediation task (a failure event's payload.taskId): it then gets the task's buttons, is updated in place and escalates. */
  taskId: z.uuid().optional(),
  taskKey: z.string().regex(/^TASK-\d+$/).optional(),
  integrationId: z.uuid().optional(),
  escalation: z
    .strictObject({ afterMinutes: z.array(z.number().int().min(1)).min(1).max(5), mention: z.string().optional() })
    .optional()
    .describe('per-route escalation of a task alert: re-posted in thread with the mention after each step'),
});

const MessageInput = z.strictObject({
  channel: z.string().regex(/^[CGD][A-Z0-9]{2,}$/),
  text: z.string().min(1).describe('mrkdwn as written; what a route fills in from an event is escaped to show as text; cut to 40,000 characters'),
});

export const slackActions: Record<string, ActionDefinition<SlackConfig, SlackCredentials>> = {
  alert: {
    description: 'Post a Block Kit alert for an event (title, text, severity, failure code, runbook link) to a channel',
    input: AlertInput,
    async run(ctx, input: z.output<typeof AlertInput>) {
      const channel = input.channel ?? ctx.config.alertChannel;
      if (!channel) throw new ConnectorError('config_invalid', 'the alert has no channel and the integration has no alertChannel');
      // An alert's values come from events (upstream data through the route's template): escaped, so
      // a field holding <!channel> or a <link|label> shows as text instead of pinging or linking.
      const details = [
        input.severity ? `*Severity* ${escapeMrkdwn(input.severity)}` : '',
        input.code ? `*Code* \`${escapeMrkdwn(input.code)}\`` : '',
        input.runbookUrl && isWebUrl(input.runbookUrl) ? `<${input.runbookUrl}|Runbook>` : '',
      ].filter(Boolean).join(' · ');
      const buttons = input.taskKey
        ? [
            {
              type: 'actions',
              elements: [
                { type: 'button', action_id: 'task_ack', style: 'primary', text: { type: 'plain_text', text: 'Acknowledge' }, value: input.taskKey },
                { type: 'button', action_id: 'task_runbook', text: { type: 'plain_text', text: 'Runbook' }, value: input.code ?? '' },
                ...(input.integrationId ? [{ type: 'button', action_id: 'task_retry', text: { type: 'plain_text', text: 'Retry' }, value: input.integrationId }] : []),
              ],
            },
          ]
        : [];
      const posted = await callSlack<{ ok: boolean; channel: string; ts: string }>(ctx, 'chat.postMessage', {
        channel,
        text: escapedWithin(input.title, MESSAGE_MAX),
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: storableText(input.title, HEADER_MAX) } },
          // Slack refuses a section over 3,000 characters, and escaping lengthens the text.
          ...(input.text ? [{ type: 'section', text: { type: 'mrkdwn', text: escapedWithin(input.text, SECTION_MAX) } }] : []),
          ...(details ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: details }] }] : []),
          ...buttons,
        ],
      });
      return {
        externalId: posted.ts,
        output: { channel: posted.channel, ts: posted.ts },
        ...(input.taskId ? { taskAlert: { taskId: input.taskId, channel: posted.channel, ts: posted.ts, escalation: input.escalation } } : {}),
      };
    },
  },
  post_message: {
    description: 'Post a plain message to a channel',
    input: MessageInput,
    // The text goes to Slack as given, so an admin's <!here> or <url|label> stays live; what a
    // route's template fills in from an event is escaped where it is filled in.
    templateValues: mrkdwnTemplateValues,
    async run(ctx, input: z.output<typeof MessageInput>) {
      const posted = await callSlack<{ ok: boolean; channel: string; ts: string }>(ctx, 'chat.postMessage', { channel: input.channel, text: storableText(input.text, MESSAGE_MAX) });
      return { externalId: posted.ts, output: { channel: posted.channel, ts: posted.ts } };
    },
  },
};
