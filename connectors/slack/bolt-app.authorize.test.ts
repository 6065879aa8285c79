import { afterEach, beforeEach, expect, it } from 'vitest';
import { blockActionPayload, interactionBody, signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import type { WebhookRequest } from '../sdk/connector.types.ts';
import type { HubOperations, TaskSummary } from '../sdk/operations.types.ts';
import { slackTestContext, type SlackTestContext } from './test-context.testing.ts';
import { slackWebhook } from './webhook.ts';

// A command or button depends only on Slack calls whose failure the hub handles. Bolt's own
// single-token authorize would ask auth.test before every listener run, uncached and outside the
// hub's reply deadlines; the hub authorizes with the integration's bot token instead.

const SECRET = 's'.repeat(32);
let slack: FakeSlack;
let test: SlackTestContext;

beforeEach(async () => {
  slack = await startFakeSlack({ users: { U0OPS: { name: 'olivia', email: 'ops@acme.example' } } });
  test = slackTestContext(slack.apiUrl, { botToken: slack.botToken, signingSecret: SECRET });
});
afterEach(async () => {
  test.breakers.shutdown();
  await slack.close();
});

const task: TaskSummary = { key: 'TASK-42', title: 'ServiceNow auth failing', status: 'acknowledged', code: 'auth_invalid', runbookUrl: '/runbooks/auth_invalid.md' };
function operations(): HubOperations & { acked: string[] } {
  const acked: string[] = [];
  return {
    acked,
    acknowledgeTask: async (_who, key) => {
      acked.push(key);
      return task;
    },
    resolveTask: async () => task,
    retryIntegration: async () => ({ integration: 'SN prod', runs: 1 }),
    status: async () => [],
    runbook: async () => ({ code: 'auth_invalid', title: 'Authentication failed', severity: 'high', summary: 's', url: '/r' }),
  };
}
function signed(body: string): WebhookRequest {
  return { rawBody: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, query: {}, receivedAt: Date.now() };
}
const repliesTo = (id: string) => slack.responses.filter((r) => r.id === id).map((r) => r.body as { text: string });
const authTests = () => slack.requests.filter((r) => r.method === 'auth.test').length;

it('a press of Acknowledge survives a failed auth.test (Slack 503 twice; users.info failing the same way is tolerated): the task is acknowledged and the person told', async () => {
  slack.failNext('auth.test', 2, { status: 503 });
  const hub = operations();
  const payload = blockActionPayload({ userId: 'U0OPS', teamId: 'T0001', actionId: 'task_ack', value: 'TASK-42', channelId: 'C0ALERTS', messageTs: '1.1', responseUrl: slack.responseUrl('ack') });
  const answer = await slackWebhook.interact!(signed(interactionBody(payload)), test.ctx, hub, Promise.resolve(true));
  expect(answer.status).toBe(200);
  await waitFor('the reply', async () => (repliesTo('ack').length ? true : undefined), 5_000);
  // users.info failing is tolerated by design (explicit links still work), and auth.test alike.
  expect(hub.acked).toEqual(['TASK-42']);
  expect(repliesTo('ack')).toHaveLength(1);
});

it('a command whose auth.test is rate limited is answered in time, without waiting out the Retry-After', async () => {
  slack.failNext('auth.test', 1, { status: 429, retryAfter: 4 });
  const hub = operations();
  const body = slashCommandBody({ text: 'ack TASK-42', user_id: 'U0OPS', response_url: slack.responseUrl('cmd') });
  const started = performance.now();
  const answer = await slackWebhook.interact!(signed(body), test.ctx, hub, Promise.resolve(true));
  expect(performance.now() - started).toBeLessThan(3_000);
  expect(answer.body, 'the HTTP answer to the command').toBeDefined();
  // Answered inline, or "Working on it…" then the reply, on a machine slow enough to pass the inline limit.
  const inline = JSON.parse(answer.body ?? '{}').text as string;
  const reply = inline.includes('Working on it') ? (await waitFor('the reply', async () => repliesTo('cmd')[0], 8_000)).text : inline;
  expect(reply).toContain('TASK-42 acknowledged');
  expect(hub.acked).toEqual(['TASK-42']);
  expect(authTests()).toBe(1);
});

it('Web API calls per command: auth.test is not asked again for every command', async () => {
  const hub = operations();
  for (let i = 0; i < 3; i++) {
    const body = slashCommandBody({ text: 'help', user_id: 'U0OPS', response_url: slack.responseUrl(`h${i}`) });
    await slackWebhook.interact!(signed(body), test.ctx, hub, Promise.resolve(true));
  }
  // One for the profile's workspace (cached ten minutes by user-email.ts); Bolt adds one per command.
  expect(authTests()).toBeLessThanOrEqual(1);
});

it('the same press with users.info failing twice instead is acknowledged and told', async () => {
  slack.failNext('users.info', 2, { status: 503 });
  const hub = operations();
  const payload = blockActionPayload({ userId: 'U0OPS', teamId: 'T0001', actionId: 'task_ack', value: 'TASK-42', channelId: 'C0ALERTS', messageTs: '1.1', responseUrl: slack.responseUrl('ack2') });
  await slackWebhook.interact!(signed(interactionBody(payload)), test.ctx, hub, Promise.resolve(true));
  await waitFor('the reply', async () => (repliesTo('ack2').length ? true : undefined), 5_000);
  expect(hub.acked).toEqual(['TASK-42']);
});
