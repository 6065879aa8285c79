import { afterEach, beforeEach, expect, it } from 'vitest';
import { signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import type { WebhookRequest } from '../sdk/connector.types.ts';
import type { HubOperations, TaskSummary } from '../sdk/operations.types.ts';
import { boltAppsHeld } from './bolt-app.ts';
import type { SlackContext } from './slack-api.ts';
import { slackTestContext, type SlackTestContext } from './test-context.testing.ts';
import { slackWebhook } from './webhook.ts';

// A rotated bot token replaces the integration's Bolt App: the next command runs with the new
// token, a command already running on the old App still finishes, and the process holds one App
// for the integration however often its credentials change.

const SECRET = 's'.repeat(32);
// Alike in their last characters, as tokens of one workspace may be.
const OLD_TOKEN = 'xoxb-1111-aaaa-test-token';
const NEW_TOKEN = 'xoxb-2222-bbbb-test-token';
let slack: FakeSlack;
let test: SlackTestContext;

beforeEach(async () => {
  slack = await startFakeSlack({ botToken: NEW_TOKEN, users: { U0OPS: { name: 'olivia' }, U0VIEW: { name: 'victor' }, U0SAM: { name: 'sam' } } });
  test = slackTestContext(slack.apiUrl, { botToken: OLD_TOKEN, signingSecret: SECRET });
});
afterEach(async () => {
  test.breakers.shutdown();
  await slack.close();
});

const task: TaskSummary = { key: 'TASK-42', title: 'ServiceNow auth failing', status: 'acknowledged', code: 'auth_invalid', runbookUrl: '/runbooks/auth_invalid.md' };

/** Operations whose acknowledgement waits for `gate`. */
function operations(gate: Promise<void> = Promise.resolve()): HubOperations {
  return {
    acknowledgeTask: async () => {
      await gate;
      return task;
    },
    resolveTask: async () => task,
    retryIntegration: async () => ({ integration: 'SN prod', runs: 1 }),
    status: async () => [],
    runbook: async () => ({ code: 'auth_invalid', title: 'Authentication failed', severity: 'high', summary: 's', url: '/r' }),
  };
}

function command(ctx: SlackContext, userId: string, hub: HubOperations, text = 'ack TASK-42') {
  const body = slashCommandBody({ command: ctx.config.slashCommand, text, user_id: userId, response_url: slack.responseUrl(userId) });
  const request: WebhookRequest = { rawBody: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, query: {}, receivedAt: Date.now() };
  return slackWebhook.interact!(request, ctx, hub, Promise.resolve(true));
}

/** The bot token each users.info for `userId` carried. */
const tokensAskingFor = (userId: string) => slack.requests.filter((r) => r.method === 'users.info' && r.body['user'] === userId).map((r) => r.headers.authorization);

it('a command after a rotation runs with the new token while one running on the old App finishes', async () => {
  const heldBefore = boltAppsHeld();
  let open = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  const inFlight = command(test.ctx, 'U0OPS', operations(gate));
  // The old App has asked Slack for the person before the rotation lands.
  await waitFor('the old App asking for the person', async () => (tokensAskingFor('U0OPS').length ? true : undefined));
  expect(tokensAskingFor('U0OPS')).toEqual([`Bearer ${OLD_TOKEN}`]);

  const rotated: SlackContext = { ...test.ctx, credentials: { ...test.ctx.credentials, botToken: NEW_TOKEN } };
  const answer = await command(rotated, 'U0VIEW', operations());
  expect(answer.status).toBe(200);
  expect(tokensAskingFor('U0VIEW')).toEqual([`Bearer ${NEW_TOKEN}`]);

  open();
  expect(JSON.parse((await inFlight).body ?? '{}')).toEqual({ response_type: 'ephemeral', text: ':white_check_mark: TASK-42 acknowledged: ServiceNow auth failing' });
  expect(boltAppsHeld() - heldBefore).toBe(1);
});

it('holds one App per integration however often its token and config change', async () => {
  const heldBefore = boltAppsHeld();
  for (const [n, slashCommand] of ['/hub', '/grc', '/hub'].entries()) {
    const ctx: SlackContext = { ...test.ctx, config: { ...test.ctx.config, slashCommand }, credentials: { ...test.ctx.credentials, botToken: `${NEW_TOKEN}-${n}` } };
    const answer = await command(ctx, 'U0SAM', operations(), 'help');
    expect(JSON.parse(answer.body ?? '{}').text).toContain('the integration hub');
  }
  expect(boltAppsHeld() - heldBefore).toBe(1);
});
