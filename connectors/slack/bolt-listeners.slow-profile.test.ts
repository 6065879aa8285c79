import { afterEach, beforeEach, expect, it } from 'vitest';
import { signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import type { WebhookRequest } from '../sdk/connector.types.ts';
import type { ChatIdentity, HubOperations, TaskSummary } from '../sdk/operations.types.ts';
import { slackTestContext, type SlackTestContext } from './test-context.testing.ts';
import { slackWebhook } from './webhook.ts';

// A command learns who the person is from users.info (the email links them to a hub user). With
// Slack slow to answer it, a command that acts as someone says "working on it" in time and replies
// on response_url; one that needs nobody (help, a usage hint) answers at once, asking Slack nothing.

const SECRET = 's'.repeat(32);
let slack: FakeSlack;
let test: SlackTestContext;

beforeEach(async () => {
  // Every Web API answer takes longer than the whole inline-reply budget.
  slack = await startFakeSlack({ users: { U0OPS: { name: 'olivia', email: 'ops@acme.example' } }, answerDelayMs: 2_500 });
  test = slackTestContext(slack.apiUrl, { botToken: slack.botToken, signingSecret: SECRET });
});
afterEach(async () => {
  test.breakers.shutdown();
  await slack.close();
});

const task: TaskSummary = { key: 'TASK-42', title: 'ServiceNow auth failing', status: 'acknowledged', code: 'auth_invalid', runbookUrl: '/runbooks/auth_invalid.md' };

function operations(): HubOperations & { actors: ChatIdentity[] } {
  const actors: ChatIdentity[] = [];
  return {
    actors,
    acknowledgeTask: async (who) => (actors.push(who), task),
    resolveTask: async () => task,
    retryIntegration: async () => ({ integration: 'SN prod', runs: 1 }),
    status: async () => [],
    runbook: async () => ({ code: 'auth_invalid', title: 'Authentication failed', severity: 'high', summary: 's', url: '/r' }),
  };
}

async function command(text: string, hub: HubOperations, responseId: string) {
  const body = slashCommandBody({ text, user_id: 'U0OPS', response_url: slack.responseUrl(responseId) });
  const request: WebhookRequest = { rawBody: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, query: {}, receivedAt: Date.now() };
  const answer = await slackWebhook.interact!(request, test.ctx, hub, Promise.resolve(true));
  return answer.body === undefined ? undefined : (JSON.parse(answer.body) as { response_type: string; text: string });
}

const repliesTo = (id: string) => slack.responses.filter((response) => response.id === id).map((response) => response.body as { text: string });

it('help answers inline without waiting for users.info', async () => {
  const answer = await command('help', operations(), 'help');

  expect(answer?.text).toContain('the integration hub');
  expect(slack.requests.map((request) => request.method)).not.toContain('users.info');
});

it('a usage hint answers inline without waiting for users.info', async () => {
  const answer = await command('ack', operations(), 'hint');

  expect(answer?.text).toBe('Which task? Try `/hub ack TASK-42`.');
  expect(slack.requests.map((request) => request.method)).not.toContain('users.info');
});

it('a command acting as the person waits for users.info after the answer, not in it', async () => {
  const hub = operations();
  const answer = await command('ack TASK-42', hub, 'ack');

  expect(answer?.text).toContain('Working on it');
  const [reply] = await waitFor('the reply on response_url', async () => (repliesTo('ack').length ? repliesTo('ack') : undefined), 10_000);
  expect(reply?.text).toBe(':white_check_mark: TASK-42 acknowledged: ServiceNow auth failing');
  // Still the person as Slack knows them: the email was waited for, not skipped.
  expect(hub.actors).toEqual([expect.objectContaining({ userId: 'U0OPS', userName: 'olivia', email: 'ops@acme.example' })]);
});
