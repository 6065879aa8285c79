import { verifySlackRequest } from '@slack/bolt';
import { ErrorCode, LogLevel, WebClient, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { blockActionPayload, interactionBody, signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from './index.ts';

let fake: FakeSlack | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

// retries: 0 so a scripted failure surfaces at once instead of after WebClient's 30-minute policy.
function client(slack: FakeSlack, token = slack.botToken, extra: ConstructorParameters<typeof WebClient>[1] = {}): WebClient {
  return new WebClient(token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, ...extra });
}

async function platformError(promise: Promise<unknown>): Promise<WebAPIPlatformError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toMatchObject({ code: ErrorCode.PlatformError });
  return error as WebAPIPlatformError;
}

describe('fake Slack Web API through the real WebClient', () => {
  it('answers auth.test as the bot of the configured workspace', async () => {
    fake = await startFakeSlack({ teamId: 'T9', botToken: 'xoxb-other' });
    expect(fake.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const result = await client(fake).auth.test();
    expect(result).toMatchObject({ ok: true, team_id: 'T9', user_id: fake.botUserId, bot_id: fake.botId, url: expect.stringMatching(/^https:\/\//), team: expect.any(String), user: expect.any(String) });
    expect(fake.requests[0]).toMatchObject({ method: 'auth.test', status: 200 });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer xoxb-other');
  });

  it('records posted messages with unique increasing ts and applies chat.update', async () => {
    fake = await startFakeSlack();
    const web = client(fake);
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*TASK-42* failed' } }];
    const first = await web.chat.postMessage({ channel: 'C1', text: 'TASK-42 failed', blocks });
    const reply = await web.chat.postMessage({ channel: 'C1', text: 'escalated', thread_ts: first.ts as string });
    expect(first).toMatchObject({ ok: true, channel: 'C1', message: { text: 'TASK-42 failed', blocks } });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(reply.ts)).toBeGreaterThan(Number(first.ts));
    expect(fake.messages).toEqual([
      { channel: 'C1', ts: first.ts, text: 'TASK-42 failed', blocks, thread_ts: undefined, postedAt: expect.any(Number) },
      { channel: 'C1', ts: reply.ts, text: 'escalated', blocks: undefined, thread_ts: first.ts, postedAt: expect.any(Number) },
    ]);

    const acked = [{ type: 'section', text: { type: 'mrkdwn', text: 'Acknowledged by ann' } }];
    const updated = await web.chat.update({ channel: 'C1', ts: first.ts as string, text: 'acknowledged', blocks: acked });
    expect(updated).toMatchObject({ ok: true, channel: 'C1', ts: first.ts });
    expect(fake.updates).toEqual([{ channel: 'C1', ts: first.ts, text: 'acknowledged', blocks: acked, at: expect.any(Number) }]);
    expect(fake.latest('C1', first.ts as string)).toMatchObject({ text: 'acknowledged', blocks: acked });
    expect(fake.messages[0]?.text).toBe('TASK-42 failed');

    const missing = await platformError(web.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' }));
    expect(missing.data.error).toBe('message_not_found');
  });

  it('with answerDelayMs, records a post at once and answers it that much later', async () => {
    fake = await startFakeSlack({ answerDelayMs: 1000 });
    let answered = false;
    const posting = client(fake).chat.postMessage({ channel: 'C1', text: 'slow' }).finally(() => (answered = true));
    await expect.poll(() => fake?.messages.length).toBe(1);
    expect(answered).toBe(false);
    expect(await posting).toMatchObject({ ok: true });
  });

  it('answers chat.postEphemeral and records it apart from channel messages', async () => {
    fake = await startFakeSlack();
    const result = await client(fake).chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'You may not do that' });
    expect(result).toMatchObject({ ok: true, message_ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(fake.ephemerals).toMatchObject([{ channel: 'C1', user: 'U1', text: 'You may not do that' }]);
    expect(fake.messages).toHaveLength(0);
  });

  it('answers users.info from the configured users, email only when known', async () => {
    fake = await startFakeSlack({ users: { U1: { name: 'ann', email: 'ann@example.com' }, U2: { name: 'bob', teamId: 'T2' }, U3: { name: 'bot', isBot: true } } });
    const web = client(fake);
    expect((await web.users.info({ user: 'U1' })).user).toMatchObject({ id: 'U1', name: 'ann', team_id: 'T0001', is_bot: false, profile: { email: 'ann@example.com', real_name: 'ann' } });
    const bob = (await web.users.info({ user: 'U2' })).user;
    expect(bob).toMatchObject({ id: 'U2', team_id: 'T2', is_bot: false });
    expect(bob?.profile).not.toHaveProperty('email');
    expect((await web.users.info({ user: 'U3' })).user?.is_bot).toBe(true);
    expect((await platformError(web.users.info({ user: 'U404' }))).data.error).toBe('user_not_found');
  });

  it('refuses a wrong token with invalid_auth and a missing one with not_authed, as HTTP 200', async () => {
    fake = await startFakeSlack();
    expect((await platformError(client(fake, 'xoxb-wrong').chat.postMessage({ channel: 'C1', text: 'x' }))).data.error).toBe('invalid_auth');
    const missing = await fetch(`${fake.apiUrl}auth.test`, { method: 'POST' });
    expect(missing.status).toBe(200);
    expect(await missing.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(fake.messages).toHaveLength(0);
    const unknown = await fetch(`${fake.apiUrl}chat.teleport`, { method: 'POST', headers: { authorization: `Bearer ${fake.botToken}` } });
    expect(await unknown.json()).toMatchObject({ ok: false, error: 'unknown_method' });
  });

  it('accepts JSON bodies as well as form bodies', async () => {
    fake = await startFakeSlack();
    const response = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C2', text: 'json', blocks: [{ type: 'divider' }] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: 'C2' });
    expect(fake.messages[0]).toMatchObject({ channel: 'C2', text: 'json', blocks: [{ type: 'divider' }] });
  });

  it('scripts failures per method: 429 with Retry-After, a bare status, and an ok:false error', async () => {
    fake = await startFakeSlack();
    fake.failNext('chat.postMessage', 1, { status: 429, retryAfter: 1 });
    fake.failNext('chat.update', 1, { status: 503 });
    fake.failNext('users.info', 1, { error: 'not_in_channel' });
    const web = client(fake, fake.botToken, { rejectRateLimitedCalls: true });

    const limited = await web.chat.postMessage({ channel: 'C1', text: 'x' }).then(() => undefined, (e: unknown) => e as WebAPIRateLimitedError);
    expect(limited).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'chat.postMessage', status: 429, error: 'ratelimited' });
    const posted = await web.chat.postMessage({ channel: 'C1', text: 'x' });
    expect(posted.ok).toBe(true);

    const outage = await web.chat.update({ channel: 'C1', ts: posted.ts as string, text: 'y' }).then(() => undefined, (e: unknown) => e);
    expect(outage).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    expect((await platformError(web.users.info({ user: 'U1' }))).data.error).toBe('not_in_channel');
    expect(fake.messages).toHaveLength(1);
  });

  it('enforces about one message per second per channel when asked', async () => {
    fake = await startFakeSlack({ enforceChannelRate: true });
    const web = client(fake, fake.botToken, { rejectRateLimitedCalls: true });
    await web.chat.postMessage({ channel: 'C1', text: 'one' });
    const second = await web.chat.postMessage({ channel: 'C1', text: 'two' }).then(() => undefined, (e: unknown) => e);
    expect(second).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    await web.chat.postMessage({ channel: 'C2', text: 'other channel is free' });
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await web.chat.postMessage({ channel: 'C1', text: 'two, later' });
    expect(fake.messages.map((m) => m.text)).toEqual(['one', 'other channel is free', 'two, later']);
  });

  it('WebClient with its default retries waits out Retry-After and succeeds', async () => {
    fake = await startFakeSlack({ enforceChannelRate: true });
    const web = new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, logLevel: LogLevel.ERROR });
    await web.chat.postMessage({ channel: 'C1', text: 'one' });
    await web.chat.postMessage({ channel: 'C1', text: 'two' });
    const [first, second] = fake.messages;
    expect(second!.postedAt - first!.postedAt).toBeGreaterThanOrEqual(1000);
    expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(1);
  });

  it('records JSON posted to a response_url', async () => {
    fake = await startFakeSlack();
    const url = fake.responseUrl('cmd-1');
    expect(url.startsWith(fake.url)).toBe(true);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', text: 'TASK-42 acknowledged' }) });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(fake.responses).toEqual([{ id: 'cmd-1', body: { response_type: 'ephemeral', text: 'TASK-42 acknowledged' }, at: expect.any(Number) }]);
    expect(fake.responseUrl()).not.toBe(fake.responseUrl());

    fake.failNext('response_url', 1, { status: 404 });
    expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(fake.responses).toHaveLength(1);
  });
});

describe('fake Slack refusing what Slack refuses', () => {
  it('answers invalid_blocks, posting nothing, for a header over 150 characters, a section over 3,000 or more than 50 blocks', async () => {
    fake = await startFakeSlack();
    const web = client(fake);
    const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
    const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
    for (const blocks of [[header('h'.repeat(151))], [section('s'.repeat(3001))], Array.from({ length: 51 }, () => section('s'))]) {
      expect((await platformError(web.chat.postMessage({ channel: 'C1', text: 'x', blocks }))).data.error).toBe('invalid_blocks');
    }
    expect(fake.messages).toEqual([]);
    await web.chat.postMessage({ channel: 'C1', text: 'x', blocks: [header('h'.repeat(150)), section('s'.repeat(3000))] });
    expect(fake.messages).toHaveLength(1);
  });

  it('answers not_in_channel for a channel the bot is not in', async () => {
    fake = await startFakeSlack({ channelsWithoutBot: ['C0PRIVATE'] });
    expect((await platformError(client(fake).chat.postMessage({ channel: 'C0PRIVATE', text: 'x' }))).data.error).toBe('not_in_channel');
    expect(fake.messages).toEqual([]);
  });

  it('takes a response_url five times, then answers 404', async () => {
    fake = await startFakeSlack();
    const url = fake.responseUrl('five');
    const statuses: number[] = [];
    for (let use = 0; use < 6; use++) statuses.push((await fetch(url, { method: 'POST', body: JSON.stringify({ text: String(use) }) })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(fake.responses).toHaveLength(5);
  });
});

describe('Slack request helpers', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';

  it('signs exactly as Slack does, so Bolt verifies it', () => {
    const body = slashCommandBody({ text: 'ack TASK-42', user_id: 'U1', response_url: 'https://example.test/r/1' });
    const headers = signSlackRequest(secret, body);
    expect(headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    const verify = (signed: typeof headers, rawBody = body, signingSecret = secret): void =>
      verifySlackRequest({ signingSecret, body: rawBody, headers: { 'x-slack-signature': signed['x-slack-signature'], 'x-slack-request-timestamp': Number(signed['x-slack-request-timestamp']) } });
    expect(() => verify(headers)).not.toThrow();
    expect(() => verify(headers, `${body}&x=1`)).toThrow(/signature mismatch/);
    expect(() => verify(headers, body, 'another-secret')).toThrow(/signature mismatch/);
    expect(() => verify(signSlackRequest(secret, body, Math.floor(Date.now() / 1000) - 6 * 60))).toThrow(/stale/);
  });

  it("matches Slack's documented signing example", () => {
    // From Slack's "Verifying requests from Slack" guide.
    const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest(secret, body, 1531420618)['x-slack-signature']).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });

  it('builds a slash command form with every field Slack sends', () => {
    const params = new URLSearchParams(slashCommandBody({ text: 'resolve TASK-42 fixed the token', user_id: 'U1', team_id: 'T1', channel_id: 'C1', response_url: 'https://example.test/r/1' }));
    expect(Object.fromEntries(params)).toMatchObject({ command: '/hub', text: 'resolve TASK-42 fixed the token', user_id: 'U1', user_name: 'u1', team_id: 'T1', channel_id: 'C1', response_url: 'https://example.test/r/1', is_enterprise_install: 'false' });
    for (const field of ['team_domain', 'channel_name', 'trigger_id', 'api_app_id', 'token']) expect(params.get(field)).toBeTruthy();
    expect(params.has('enterprise_id')).toBe(false);
  });

  it('builds a block_actions payload like the fact sheet example, form-encoded as payload=', () => {
    const payload = blockActionPayload({ userId: 'U123', teamId: 'T1', actionId: 'ack_task', value: 'task-123', channelId: 'C1', messageTs: '1714557731.000100', responseUrl: 'https://example.test/r/2' });
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U123', team_id: 'T1' },
      container: { type: 'message', message_ts: '1714557731.000100', channel_id: 'C1' },
      channel: { id: 'C1' },
      message: { ts: '1714557731.000100' },
      response_url: 'https://example.test/r/2',
      team: { id: 'T1' },
      actions: [{ type: 'button', action_id: 'ack_task', value: 'task-123', block_id: 'b1' }],
    });
    const body = interactionBody(payload);
    expect(body.startsWith('payload=')).toBe(true);
    expect(JSON.parse(new URLSearchParams(body).get('payload') ?? '')).toEqual(payload);
  });
});
