import { afterEach, beforeEach, expect, it } from 'vitest';
import { blockActionPayload, interactionBody, signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import type { WebhookRequest } from '../sdk/connector.types.ts';
import type { HubOperations, TaskSummary } from '../sdk/operations.types.ts';
import { slackTestContext, type SlackTestContext } from './test-context.testing.ts';
import { slackWebhook } from './webhook.ts';

// Slack needs the HTTP answer within 3 s and drops later ones: a command that takes longer answers
// "working on it" and delivers its reply through response_url; a quick one answers inline. A
// reply that cannot be delivered is logged, never an unhandled rejection.

const SECRET = 's'.repeat(32);
let slack: FakeSlack;
let test: SlackTestContext;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  slack = await startFakeSlack({ users: { U0OPS: { name: 'olivia', email: 'ops@acme.example' } } });
  test = slackTestContext(slack.apiUrl, { botToken: slack.botToken, signingSecret: SECRET });
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  test.breakers.shutdown();
  await slack.close();
});

const task: TaskSummary = { key: 'TASK-42', title: 'ServiceNow auth failing', status: 'acknowledged', code: 'auth_invalid', runbookUrl: '/runbooks/auth_invalid.md' };
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Operations that take `ms` (a busy database), or fail after it. */
function operations(ms: number, fail = false): HubOperations & { acked: string[] } {
  const acked: string[] = [];
  const slow = async <T>(value: T): Promise<T> => {
    await delay(ms);
    if (fail) throw new Error('connection terminated');
    return value;
  };
  return {
    acked,
    acknowledgeTask: async (_who, key) => {
      const summary = await slow(task);
      acked.push(key);
      return summary;
    },
    resolveTask: () => slow(task),
    retryIntegration: () => slow({ integration: 'SN prod', runs: 1 }),
    status: () => slow([]),
    runbook: () => slow({ code: 'auth_invalid', title: 'Authentication failed', severity: 'high', summary: 'The upstream refused the credentials.', url: '/runbooks/auth_invalid.md' }),
  };
}

function signed(body: string): WebhookRequest {
  return { rawBody: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, query: {} };
}

async function command(text: string, hub: HubOperations, responseId: string) {
  const request = signed(slashCommandBody({ text, user_id: 'U0OPS', response_url: slack.responseUrl(responseId) }));
  expect(slackWebhook.verify(request, { config: test.ctx.config, credentials: test.ctx.credentials, now: new Date() })).toEqual({ ok: true });
  const started = performance.now();
  const answer = await slackWebhook.interact!(request, test.ctx, hub);
  return { ms: performance.now() - started, status: answer.status, body: answer.body === undefined ? undefined : (JSON.parse(answer.body) as { response_type: string; text: string }) };
}

const repliesTo = (id: string) => slack.responses.filter((response) => response.id === id).map((response) => response.body as { text: string; response_type: string });

it('a command slower than the HTTP answer says it is working on it, then delivers the reply to response_url', async () => {
  const hub = operations(2_800);
  const answer = await command('ack TASK-42', hub, 'slow-ack');

  expect(answer.status).toBe(200);
  expect(answer.ms).toBeLessThan(3_000);
  expect(answer.body).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('Working on it') });
  const [reply] = await waitFor('the reply on response_url', async () => (repliesTo('slow-ack').length ? repliesTo('slow-ack') : undefined), 5_000);
  expect(reply).toMatchObject({ response_type: 'ephemeral', text: ':white_check_mark: TASK-42 acknowledged: ServiceNow auth failing' });
  expect(hub.acked).toEqual(['TASK-42']);
  await delay(200);
  expect(repliesTo('slow-ack')).toHaveLength(1);
});

it('a quick command answers inline and posts nothing to response_url', async () => {
  const answer = await command('ack TASK-42', operations(10), 'quick-ack');

  expect(answer.body).toEqual({ response_type: 'ephemeral', text: ':white_check_mark: TASK-42 acknowledged: ServiceNow auth failing' });
  await delay(200);
  expect(repliesTo('quick-ack')).toEqual([]);
});

it('a slow command that fails after the answer tells the person through response_url and logs it', async () => {
  const answer = await command('ack TASK-42', operations(2_300, true), 'slow-failure');

  expect(answer.body?.text).toContain('Working on it');
  const [reply] = await waitFor('the failure on response_url', async () => (repliesTo('slow-failure').length ? repliesTo('slow-failure') : undefined), 5_000);
  expect(reply?.text).toBe(':warning: Something went wrong; the hub logged it.');
  expect(test.logger.entries).toContainEqual(expect.objectContaining({ level: 'error', message: 'slack command failed after its answer' }));
});

it('a button whose response_url refuses the reply logs it instead of leaving an unhandled rejection', async () => {
  slack.failNext('response_url', 1, { status: 500 });
  const payload = blockActionPayload({ userId: 'U0OPS', teamId: 'T0001', actionId: 'task_runbook', value: 'auth_invalid', channelId: 'C0ALERTS', messageTs: '1.1', responseUrl: slack.responseUrl('button') });

  const answer = await slackWebhook.interact!(signed(interactionBody(payload)), test.ctx, operations(10));

  expect(answer).toEqual({ status: 200 });
  await waitFor('the logged delivery failure', async () => test.logger.entries.find((entry) => entry.message === 'could not deliver a reply to response_url'));
  expect(test.logger.entries).not.toContainEqual(expect.objectContaining({ message: 'slack interaction failed' }));
  await delay(100);
  expect(unhandled).toEqual([]);
});

it('a button follow-up that fails is told to the person, not thrown', async () => {
  const hub = { ...operations(10), retryIntegration: async () => Promise.reject(new Error('queue unavailable')) };
  const payload = blockActionPayload({ userId: 'U0OPS', teamId: 'T0001', actionId: 'task_retry', value: 'SN prod', channelId: 'C0ALERTS', messageTs: '1.1', responseUrl: slack.responseUrl('retry') });

  await slackWebhook.interact!(signed(interactionBody(payload)), test.ctx, hub);

  const replies = await waitFor('both replies', async () => (repliesTo('retry').length === 2 ? repliesTo('retry') : undefined), 5_000);
  expect(replies.map((reply) => reply.text)).toEqual([':arrows_counterclockwise: Retrying SN prod…', ':warning: queue unavailable']);
  expect(unhandled).toEqual([]);
});
