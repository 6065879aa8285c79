import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockActionPayload, interactionBody, signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import type { WebhookRequest } from '../sdk/connector.types.ts';
import { OperationRefused, type HubOperations, type TaskSummary } from '../sdk/operations.types.ts';
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

function signed(body: string, receivedAt?: number): WebhookRequest {
  return { rawBody: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, query: {}, ...(receivedAt === undefined ? {} : { receivedAt }) };
}

/** The runtime's recording of the request (its dedupe insert): first time unless told otherwise. */
const recordedNow = Promise.resolve(true);

/** A recording that settles only after `ms` (a busy database). */
const recordedAfter = (ms: number, first: boolean) => delay(ms).then(() => first);

async function command(text: string, hub: HubOperations, responseId: string, arrival: { receivedAt?: number; recorded?: Promise<boolean> } = {}) {
  const request = signed(slashCommandBody({ text, user_id: 'U0OPS', response_url: slack.responseUrl(responseId) }), arrival.receivedAt);
  expect(slackWebhook.verify(request, { config: test.ctx.config, credentials: test.ctx.credentials, now: new Date() })).toEqual({ ok: true });
  const started = performance.now();
  const answer = await slackWebhook.interact!(request, test.ctx, hub, arrival.recorded ?? recordedNow);
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

  const answer = await slackWebhook.interact!(signed(interactionBody(payload)), test.ctx, operations(10), recordedNow);

  expect(answer).toEqual({ status: 200 });
  await waitFor('the logged delivery failure', async () => test.logger.entries.find((entry) => entry.message === 'could not deliver a reply to response_url'));
  expect(test.logger.entries).not.toContainEqual(expect.objectContaining({ message: 'slack interaction failed' }));
  await delay(100);
  expect(unhandled).toEqual([]);
});

it('a button retry that fails is told to the person, not thrown', async () => {
  const hub = { ...operations(10), retryIntegration: async () => Promise.reject(new Error('queue unavailable')) };
  const payload = blockActionPayload({ userId: 'U0OPS', teamId: 'T0001', actionId: 'task_retry', value: 'SN prod', channelId: 'C0ALERTS', messageTs: '1.1', responseUrl: slack.responseUrl('retry') });

  await slackWebhook.interact!(signed(interactionBody(payload)), test.ctx, hub, recordedNow);

  const [reply] = await waitFor('the reply', async () => (repliesTo('retry').length ? repliesTo('retry') : undefined), 5_000);
  expect(reply?.text).toBe(':warning: Something went wrong; the hub logged it.');
  await delay(100);
  expect(repliesTo('retry')).toHaveLength(1);
  expect(unhandled).toEqual([]);
});

it('a retry refused for the role is refused in the answer, never announced as retrying', async () => {
  const refused = new OperationRefused('forbidden', 'Sorry, this needs the operator role in the hub; you are a viewer.');
  const hub = { ...operations(10), retryIntegration: async () => Promise.reject(refused) };

  const answer = await command('retry SN prod', hub, 'viewer-retry');

  expect(answer.body).toEqual({ response_type: 'ephemeral', text: ':no_entry: Sorry, this needs the operator role in the hub; you are a viewer.' });
  await delay(200);
  expect(repliesTo('viewer-retry')).toEqual([]);
});

it('a retry an operator may run answers with the runs it queued', async () => {
  const answer = await command('retry SN prod', operations(10), 'operator-retry');

  expect(answer.body).toEqual({ response_type: 'ephemeral', text: expect.stringMatching(/^:arrows_counterclockwise: Queued 1 run for SN prod\. /) });
});

// Slack's 3 seconds run from when the request reached the hub, not from when the listener got it.
describe('deadlines counted from arrival', () => {
  it('a request that waited before reaching Bolt says it is working on it by INLINE_REPLY_MS after arrival', async () => {
    const hub = operations(1_000);
    const answer = await command('ack TASK-42', hub, 'late-arrival', { receivedAt: Date.now() - 1_500 });

    // Due 500 ms from here, well before the 1 s the operation takes; counted from the listener
    // instead, the deadline would be 2 s away and the reply would come inline after 1 s.
    expect(answer.ms).toBeLessThan(1_500);
    expect(answer.body?.text).toContain('Working on it');
    const [reply] = await waitFor('the reply on response_url', async () => (repliesTo('late-arrival').length ? repliesTo('late-arrival') : undefined), 5_000);
    expect(reply?.text).toBe(':white_check_mark: TASK-42 acknowledged: ServiceNow auth failing');
  });

  it('a request still being recorded at the deadline says it is working on it, then acts once recorded', async () => {
    const hub = operations(10);
    const answer = await command('ack TASK-42', hub, 'slow-record', { receivedAt: Date.now(), recorded: recordedAfter(2_600, true) });

    // Answered at the 2 s deadline by the listener, within Slack's 3 s (the receiver's bare 200
    // at 2.5 s would carry no text).
    expect(answer.ms).toBeLessThan(3_000);
    expect(answer.body?.text).toContain('Working on it');
    // Nothing happens before the request is recorded: it might be a replay.
    expect(hub.acked).toEqual([]);
    const [reply] = await waitFor('the reply on response_url', async () => (repliesTo('slow-record').length ? repliesTo('slow-record') : undefined), 5_000);
    expect(reply?.text).toBe(':white_check_mark: TASK-42 acknowledged: ServiceNow auth failing');
    expect(hub.acked).toEqual(['TASK-42']);
  });

  it('a request still being recorded at the deadline whose reply is ready at once delivers it to response_url', async () => {
    // The person's profile cached by an earlier command: `help` then needs nothing slow at all.
    await command('status', operations(0), 'cache-profile');
    const answer = await command('help', operations(0), 'quick-late', { receivedAt: Date.now(), recorded: recordedAfter(2_600, true) });

    expect(answer.body?.text).toContain('Working on it');
    const [reply] = await waitFor('the reply on response_url', async () => (repliesTo('quick-late').length ? repliesTo('quick-late') : undefined), 5_000);
    expect(reply?.text).toContain('the integration hub');
  });

  it('a request whose recording fails after the deadline tells the person that nothing was done', async () => {
    const hub = operations(10);
    const failedRecording = delay(2_800).then(() => Promise.reject(new Error('connection terminated')));
    const answer = await command('ack TASK-42', hub, 'failed-record', { receivedAt: Date.now(), recorded: failedRecording });

    expect(answer.body?.text).toContain('Working on it');
    const [reply] = await waitFor('the reply on response_url', async () => (repliesTo('failed-record').length ? repliesTo('failed-record') : undefined), 5_000);
    expect(reply).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('nothing was done') });
    expect(hub.acked).toEqual([]);
    expect(test.logger.entries).toContainEqual(expect.objectContaining({ level: 'error', message: 'slack interaction could not be recorded after its answer' }));
  });

  it('a replay recognised only after the deadline has no effect', async () => {
    const hub = operations(10);
    const answer = await command('ack TASK-42', hub, 'slow-replay', { receivedAt: Date.now(), recorded: recordedAfter(2_300, false) });

    expect(answer.body?.text).toContain('Working on it');
    await delay(800);
    expect(hub.acked).toEqual([]);
    expect(repliesTo('slow-replay')).toEqual([]);
  });
});
