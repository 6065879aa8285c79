import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionPayload, interactionBody, signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack, type SlackSignatureHeaders } from '../../test-support/fake-slack/index.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { captureLog } from '../../test-support/captured-log.ts';
import { LOGGED_PER_WINDOW } from '../../core/server/limited-log.ts';

// What the hub's log says about a Slack request that went wrong, as an operator reads it: a refused
// signature with its code and reason (so a stale timestamp, a wrong secret and missing headers can
// be told apart), a failed button with the integration, the action and the error; never the
// signature, the signing secret, the bot token or the body.

const SIGNING_SECRET = 'slack-signing-CANARY-0123456789';
const BOT_TOKEN = 'xoxb-CANARY-bot-token-0123';
const BODY_CANARY = 'BODYCANARY';

describe('Slack failures in the hub log', () => {
  let test: TestHub;
  let slack: FakeSlack;
  let integrationId: string;
  const log = captureLog();

  beforeAll(async () => {
    slack = await startFakeSlack({ botToken: BOT_TOKEN, users: { U0OPS: { name: 'olivia', email: 'ops@acme.example' } } });
    test = await startTestHub({ label: 'slack_failure_logs', database: 'pglite', logTo: log.stream });
    const tenant = await test.createTenant('acme');
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'slack', name: 'Slack', config: { alertChannel: 'C0ALERTS', slackApiUrl: slack.apiUrl }, credentials: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET } },
    });
    expect(created.status).toBe(201);
    integrationId = (await created.json()).id;
  });
  afterAll(async () => {
    await test?.close();
    await slack?.close();
  });

  const hook = (body: string, headers: Partial<SlackSignatureHeaders>) =>
    test.request('post', `/hooks/${integrationId}`, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

  it('logs each refused signature with code signature_invalid and its reason, and nothing of the request', async () => {
    const body = slashCommandBody({ text: `status ${BODY_CANARY}`, user_id: 'U0OPS', response_url: slack.responseUrl('refused') });
    const badSignature = signSlackRequest('another-secret-0123456789', body);
    const stale = signSlackRequest(SIGNING_SECRET, body, Date.now() / 1000 - 10 * 60);
    for (const headers of [{}, stale, badSignature]) expect((await hook(body, headers)).status).toBe(401);

    const refused = log.records().filter((line) => line['msg'] === 'webhook signature rejected');
    expect(refused.map(({ integrationId: id, connector, status, code, reason }) => ({ id, connector, status, code, reason }))).toEqual([
      { id: integrationId, connector: 'slack', status: 401, code: 'signature_invalid', reason: 'X-Slack-Signature or X-Slack-Request-Timestamp is missing' },
      { id: integrationId, connector: 'slack', status: 401, code: 'signature_invalid', reason: 'the request timestamp is more than 5 minutes away from now' },
      { id: integrationId, connector: 'slack', status: 401, code: 'signature_invalid', reason: 'the v0 signature does not match the signing secret' },
    ]);
    for (const leaked of [SIGNING_SECRET, BODY_CANARY, stale['x-slack-signature'], badSignature['x-slack-signature'].slice(3)]) expect(log.text()).not.toContain(leaked);
  });

  it('logs a button whose reply Slack refuses with the integration, the action id and the error\'s code and message', async () => {
    slack.failNext('response_url', 1, { status: 500 });
    const body = interactionBody(blockActionPayload({ userId: 'U0OPS', teamId: 'T0001', actionId: 'task_runbook', value: 'auth_invalid', channelId: 'C0ALERTS', messageTs: '1.1', responseUrl: slack.responseUrl('runbook') }));
    expect((await hook(body, signSlackRequest(SIGNING_SECRET, body))).status).toBe(200);

    const line = await waitFor('the logged delivery failure', async () => log.records().find((entry) => entry['msg'] === 'could not deliver a reply to response_url'));
    expect(line).toMatchObject({ level: 50, integrationId, connector: 'slack', actionId: 'task_runbook', error: { code: 'slack_bolt_respond_error', message: 'Failed to respond to the response_url: 500 Internal Server Error' } });
    expect(log.text()).not.toContain('CANARY');
  });

  // Last: it uses up this minute's share of the missing-headers reason.
  it('logs forged deliveries in a loop at most 10 a minute per reason; the metric counts every one', async () => {
    const before = log.records().filter((line) => line['msg'] === 'webhook signature rejected').length;
    for (let i = 0; i < LOGGED_PER_WINDOW + 20; i++) expect((await hook('command=%2Fhub', {})).status).toBe(401);
    const logged = log.records().filter((line) => line['msg'] === 'webhook signature rejected').length - before;
    // The first test logged one missing-headers line, most likely in this same minute.
    expect(logged).toBeGreaterThanOrEqual(LOGGED_PER_WINDOW - 1);
    expect(logged).toBeLessThanOrEqual(LOGGED_PER_WINDOW);
    const metrics = await (await test.request('get', '/metrics')).text();
    expect(metrics).toMatch(/^hub_webhooks_total\{connector="slack",outcome="rejected_signature"\} 33$/m);
  });
});
