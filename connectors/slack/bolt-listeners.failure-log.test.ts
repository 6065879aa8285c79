import { afterEach, beforeEach, expect, it } from 'vitest';
import { blockActionPayload, interactionBody, signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import type { WebhookRequest } from '../sdk/connector.types.ts';
import { ConnectorError } from '../sdk/failure.ts';
import type { HubOperations, TaskSummary } from '../sdk/operations.types.ts';
import { slackTestContext, type SlackTestContext } from './test-context.testing.ts';
import { slackWebhook } from './webhook.ts';

// A command or button that fails is logged with what failed: the command or the button's action
// id, the error's code and its message, so an operator can tell a refused response_url from a
// queue that is down. Whatever the message quoted of the bot token is cut out.

const SECRET = 's'.repeat(32);
const BOT_TOKEN = 'xoxb-CANARY-0123456789-abcdef';
let slack: FakeSlack;
let test: SlackTestContext;

beforeEach(async () => {
  slack = await startFakeSlack({ botToken: BOT_TOKEN, users: { U0OPS: { name: 'olivia', email: 'ops@acme.example' } } });
  test = slackTestContext(slack.apiUrl, { botToken: BOT_TOKEN, signingSecret: SECRET });
});
afterEach(async () => {
  test.breakers.shutdown();
  await slack.close();
});

const task: TaskSummary = { key: 'TASK-42', title: 'ServiceNow auth failing', status: 'acknowledged', code: 'auth_invalid', runbookUrl: '/runbooks/auth_invalid.md' };
function operations(overrides: Partial<HubOperations> = {}): HubOperations {
  return {
    acknowledgeTask: async () => task,
    resolveTask: async () => task,
    retryIntegration: async () => ({ integration: 'SN prod', runs: 1 }),
    status: async () => [],
    runbook: async () => ({ code: 'auth_invalid', title: 'Authentication failed', severity: 'high', summary: 's', url: '/r' }),
    ...overrides,
  };
}
function signed(body: string): WebhookRequest {
  return { rawBody: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, query: {}, receivedAt: Date.now() };
}
function press(actionId: string, value: string, responseId: string): WebhookRequest {
  return signed(interactionBody(blockActionPayload({ userId: 'U0OPS', teamId: 'T0001', actionId, value, channelId: 'C0ALERTS', messageTs: '1.1', responseUrl: slack.responseUrl(responseId) })));
}
const logged = (message: string) => test.logger.entries.find((entry) => entry.message === message);

/** An upstream error whose text quotes the request, as a proxy at slackApiUrl may answer. */
const quotingError = () => new ConnectorError('upstream_bad_response', `the proxy refused the call (Authorization: Bearer ${BOT_TOKEN})`);

it('a button whose reply Slack\'s response_url refuses logs the code, the message and the action id', async () => {
  slack.failNext('response_url', 1, { status: 500 });

  await slackWebhook.interact!(press('task_runbook', 'auth_invalid', 'refused'), test.ctx, operations(), Promise.resolve(true));

  const entry = await waitFor('the logged delivery failure', async () => logged('could not deliver a reply to response_url'));
  expect(entry.details).toEqual({ error: { name: 'Error', code: 'slack_bolt_respond_error', message: 'Failed to respond to the response_url: 500 Internal Server Error' }, actionId: 'task_runbook' });
});

it('a button whose operation fails logs the code and message without the token the message quoted', async () => {
  const hub = operations({ retryIntegration: async () => Promise.reject(quotingError()) });

  await slackWebhook.interact!(press('task_retry', 'SN prod', 'retry'), test.ctx, hub, Promise.resolve(true));

  const entry = await waitFor('the logged failure', async () => logged('slack button failed after its answer'));
  expect(entry.level).toBe('error');
  expect(entry.details).toEqual({ error: { name: 'ConnectorError', code: 'upstream_bad_response', message: 'the proxy refused the call (Authorization: Bearer [redacted])' }, actionId: 'task_retry' });
  expect(JSON.stringify(test.logger.entries)).not.toContain('CANARY');
});

it('a command that fails before its answer logs the code and message under the command, without the token', async () => {
  const hub = operations({ acknowledgeTask: async () => Promise.reject(quotingError()) });
  const body = slashCommandBody({ text: 'ack TASK-42', user_id: 'U0OPS', response_url: slack.responseUrl('cmd') });

  const answer = await slackWebhook.interact!(signed(body), test.ctx, hub, Promise.resolve(true));

  expect(JSON.parse(answer.body ?? '{}').text).toBe(':warning: Something went wrong; the hub logged it.');
  expect(logged('slack interaction failed')?.details).toEqual({ error: { name: 'ConnectorError', code: 'upstream_bad_response', message: 'the proxy refused the call (Authorization: Bearer [redacted])' }, command: '/hub' });
  expect(JSON.stringify(test.logger.entries)).not.toContain('CANARY');
});

it('an error without a code is logged by its class and message (Bolt\'s wrapper seen through)', async () => {
  const hub = operations({ acknowledgeTask: async () => Promise.reject(new Error('connection terminated unexpectedly')) });
  const body = slashCommandBody({ text: 'ack TASK-42', user_id: 'U0OPS', response_url: slack.responseUrl('plain') });

  await slackWebhook.interact!(signed(body), test.ctx, hub, Promise.resolve(true));

  expect(logged('slack interaction failed')?.details).toEqual({ error: { name: 'Error', message: 'connection terminated unexpectedly' }, command: '/hub' });
});
