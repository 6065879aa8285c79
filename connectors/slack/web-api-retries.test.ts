import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { ConnectorError } from '../sdk/failure.ts';
import type { TaskAlert } from '../sdk/task-alerts.types.ts';
import { slackActions } from './actions.ts';
import { slack } from './connector.ts';
import { slackTaskAlerts } from './task-alerts.ts';
import { slackTestContext, startAnswerLosingSlack, type SlackTestContext } from './test-context.testing.ts';
import { isRepeatable, SlackOutcomeUnknown } from './web-api-retries.ts';
import { AlertMessageGoneError } from '../sdk/task-alerts.types.ts';

// At most one message per event (DESIGN.md): a post that may have reached Slack is never sent
// again, neither by the HTTP client nor — its error is not transient — by the runtime. Only
// Slack's own "not taken" (429) sends it again, after Retry-After. Lookups keep their retries.

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function contextFor(apiUrl: string, botToken?: string): SlackTestContext {
  const test = slackTestContext(apiUrl, botToken === undefined ? {} : { botToken });
  closers.push(() => test.breakers.shutdown());
  return test;
}

async function fakeSlack(): Promise<FakeSlack> {
  const fake = await startFakeSlack();
  closers.push(() => fake.close());
  return fake;
}

const alert: TaskAlert = {
  taskId: '6f1c0d1e-8a55-4f7b-9b0a-6e1d2c3b4a59',
  key: 'TASK-42',
  title: 'ServiceNow auth failing',
  status: 'open',
  code: 'auth_invalid',
  severity: 'high',
  integrationId: null,
  integrationName: 'SN prod',
  environment: 'production',
  occurrences: 1,
  lastError: null,
  runbookUrl: '/runbooks/auth_invalid.md',
  acknowledgedBy: null,
  resolvedBy: null,
};

// Every way the hub creates a Slack message; each uses its own channel, since posts to one
// channel are paced a second apart.
const posters: Array<[string, (test: SlackTestContext, channel: string) => Promise<unknown>]> = [
  ['the post_message action', ({ ctx }, channel) => slackActions['post_message']!.run(ctx, { channel, text: 'Task opened' }, { idempotencyKey: 'route:event' })],
  ['the alert action', ({ ctx }, channel) => slackActions['alert']!.run(ctx, { channel, title: 'Failure auth_invalid on SN prod' }, { idempotencyKey: 'route:event' })],
  ['a task alert', ({ ctx }, channel) => slackTaskAlerts.post(ctx, alert, channel)],
  ['an escalation', ({ ctx }, channel) => slackTaskAlerts.escalate(ctx, { channel, ts: '1714557731.000100' }, alert, { afterMinutes: 15, mention: '<!subteam^S0OPS>' })],
  ['a digest', ({ ctx }, channel) =>
    slackTaskAlerts.sendDigest(ctx, channel, { period: 'daily', since: '2024-05-01T00:00:00Z', openTasks: [alert], acknowledgedTasks: [], failuresSince: [], integrations: [], expiringCredentials: [] })],
];

describe('a post whose answer is lost', () => {
  it.each(posters.map(([name, post], i) => [name, post, `C0LOST${i}`] as const))('%s is sent once, and fails for good', async (_name, post, channel) => {
    const losing = await startAnswerLosingSlack(1, 'chat.postMessage');
    closers.push(() => losing.close());
    const test = contextFor(losing.apiUrl);

    const error = await post(test, channel).then(() => undefined, (failure: unknown) => failure);

    // (An escalation marks its alert first, with a chat.update that may be repeated.)
    expect(losing.received.map((request) => request.method).filter((method) => method !== 'chat.update')).toEqual(['chat.postMessage']);
    expect(error).toBeInstanceOf(SlackOutcomeUnknown);
    // The runbook stays network_error's; not transient, so the runtime does not re-run the post either.
    expect(error).toMatchObject({ code: 'network_error', transient: false, message: expect.stringContaining('not sent again') });
    expect(test.waits).toEqual([]);
  });

  it('is not sent again after a 5xx either: Slack may have posted before failing', async () => {
    const fake = await fakeSlack();
    fake.failNext('chat.postMessage', 1, { status: 503 });
    const test = contextFor(fake.apiUrl, fake.botToken);

    const error = await slackActions['post_message']!.run(test.ctx, { channel: 'C05XX', text: 'Task opened' }, { idempotencyKey: 'route:event' }).catch((failure: unknown) => failure);

    expect(fake.requests.filter((request) => request.method === 'chat.postMessage')).toHaveLength(1);
    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 503, transient: false });
  });
});

describe('a post that never reached Slack', () => {
  it('is left to the runtime when the connection was refused: nothing can have been posted', async () => {
    const closed = await startFakeSlack();
    await closed.close();
    const test = contextFor(closed.apiUrl, closed.botToken);

    const error = await slackActions['post_message']!.run(test.ctx, { channel: 'C0DOWN', text: 'Task opened' }, { idempotencyKey: 'route:event' }).catch((failure: unknown) => failure);

    expect(error).not.toBeInstanceOf(SlackOutcomeUnknown);
    expect(error).toMatchObject({ code: 'network_error', transient: true, message: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('a post Slack refused with 429', () => {
  it('is sent again after Retry-After, and posted once', async () => {
    const fake = await fakeSlack();
    fake.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });
    const test = contextFor(fake.apiUrl, fake.botToken);

    const started = Date.now();
    const result = await slackActions['post_message']!.run(test.ctx, { channel: 'C0RATE', text: 'Task opened' }, { idempotencyKey: 'route:event' });

    const posts = fake.requests.filter((request) => request.method === 'chat.postMessage');
    expect(posts.map((request) => request.status)).toEqual([429, 200]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.messages.filter((message) => message.channel === 'C0RATE')).toHaveLength(1);
    expect(result.externalId).toBe(fake.messages.at(-1)!.ts);
  });

  it('is left to the runtime when Retry-After is longer than a run waits', async () => {
    const fake = await fakeSlack();
    fake.failNext('chat.postMessage', 1, { status: 429, retryAfter: 120 });
    const test = contextFor(fake.apiUrl, fake.botToken);

    const error = await slackActions['post_message']!.run(test.ctx, { channel: 'C0SLOW', text: 'Task opened' }, { idempotencyKey: 'route:event' }).catch((failure: unknown) => failure);

    expect(fake.requests.filter((request) => request.method === 'chat.postMessage')).toHaveLength(1);
    // Transient with the wait: the runtime reschedules the run for when Slack takes it again.
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: 'rate_limited', transient: true, retryAfterMs: 120_000 });
    expect(error).not.toBeInstanceOf(SlackOutcomeUnknown);
  });

  it('is left to the runtime for an escalation, whose re-run first checks the task is still open', async () => {
    const fake = await fakeSlack();
    const test = contextFor(fake.apiUrl, fake.botToken);
    const ref = await slackTaskAlerts.post(test.ctx, alert, 'C0LATE');
    fake.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });

    const error = await slackTaskAlerts.escalate(test.ctx, ref, alert, { afterMinutes: 15 }).catch((failure: unknown) => failure);

    expect(fake.requests.filter((request) => request.method === 'chat.postMessage')).toHaveLength(2);
    expect(error).toMatchObject({ code: 'rate_limited', transient: true, retryAfterMs: 1_000 });
    expect(fake.messages.filter((message) => message.thread_ts === ref.ts)).toEqual([]);
  });
});

describe('calls that may be repeated', () => {
  it('auth.test is sent again after a lost answer', async () => {
    const losing = await startAnswerLosingSlack(1);
    closers.push(() => losing.close());
    const test = contextFor(losing.apiUrl);

    await expect(slack.check(test.ctx)).resolves.toMatchObject({ ok: true });
    expect(losing.received.map((request) => request.method)).toEqual(['auth.test', 'auth.test']);
    expect(test.waits).toHaveLength(1);
  });

  it('chat.update is sent again after a 503: the same content twice is one effect', async () => {
    const fake = await fakeSlack();
    const test = contextFor(fake.apiUrl, fake.botToken);
    const ref = await slackTaskAlerts.post(test.ctx, alert, 'C0UPDATE');
    fake.failNext('chat.update', 1, { status: 503 });

    await slackTaskAlerts.update(test.ctx, ref, { ...alert, status: 'acknowledged', acknowledgedBy: 'slack:olivia' });

    expect(fake.requests.filter((request) => request.method === 'chat.update').map((request) => request.status)).toEqual([503, 200]);
    expect(fake.updates).toHaveLength(1);
  });

  it('an escalation whose alert cannot be marked escalated still calls people in, once', async () => {
    const fake = await fakeSlack();
    const test = contextFor(fake.apiUrl, fake.botToken);
    const ref = await slackTaskAlerts.post(test.ctx, alert, 'C0ESCAL');
    fake.failNext('chat.update', 1, { error: 'cant_update_message' });

    await slackTaskAlerts.escalate(test.ctx, ref, alert, { afterMinutes: 15, mention: '<!subteam^S0OPS>' });

    expect(fake.messages.filter((message) => message.thread_ts === ref.ts)).toHaveLength(1);
    expect(test.logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: 'marking the alert escalated failed; escalating anyway' }));
  });

  it('an escalation of an alert deleted in Slack calls nobody in, and says the alert is gone', async () => {
    const fake = await fakeSlack();
    const test = contextFor(fake.apiUrl, fake.botToken);
    const ref = await slackTaskAlerts.post(test.ctx, alert, 'C0GONE');
    fake.failNext('chat.update', 1, { error: 'message_not_found' });

    const error = await slackTaskAlerts.escalate(test.ctx, ref, alert, { afterMinutes: 15, mention: '<!subteam^S0OPS>' }).catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(AlertMessageGoneError);
    expect(fake.messages.filter((message) => message.thread_ts === ref.ts)).toEqual([]);
  });

  it.each([
    ['users.info', true],
    ['conversations.info', true],
    ['conversations.list', true],
    ['auth.test', true],
    ['chat.update', true],
    ['chat.postMessage', false],
    ['chat.postEphemeral', false],
    ['conversations.create', false],
    ['files.completeUploadExternal', false],
  ])('%s repeatable: %s', (method, repeatable) => {
    expect(isRepeatable(method)).toBe(repeatable);
  });
});
