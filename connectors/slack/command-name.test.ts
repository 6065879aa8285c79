import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubOperations } from '../sdk/operations.types.ts';
import { signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { slackTestContext, type SlackTestContext } from './test-context.testing.ts';
import { slackWebhook } from './webhook.ts';

// The Slack app's command renamed (/grc) while the integration still expects /hub: the person is
// told at once which command this integration answers, instead of the empty answer of the deadline,
// which Slack shows as nothing.

const refuse = async (): Promise<never> => {
  throw new Error('no operation runs for a command the integration does not answer');
};
const operations: HubOperations = { acknowledgeTask: refuse, resolveTask: refuse, retryIntegration: refuse, status: refuse, runbook: refuse };

describe('a slash command the integration is not configured for', () => {
  let slack: FakeSlack;
  let test: SlackTestContext;
  const SECRET = 's'.repeat(32);
  beforeAll(async () => {
    slack = await startFakeSlack({ users: { U0OPS: { name: 'olivia', email: 'ops@acme.example' } } });
    test = slackTestContext(slack.apiUrl, { botToken: slack.botToken, signingSecret: SECRET, config: { slashCommand: '/hub' } });
  });
  afterAll(async () => {
    test.breakers.shutdown();
    await slack.close();
  });

  it('answers the person (e.g. which command this integration expects) instead of an empty 200 after 2.5 s that Slack shows as nothing', async () => {
    // The manifest's command was renamed to /grc, the integration still says /hub.
    const body = slashCommandBody({ command: '/grc', text: 'ack TASK-42', user_id: 'U0OPS', response_url: slack.responseUrl('mismatch') });
    const request = { rawBody: Buffer.from(body), headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, query: {} };
    const started = performance.now();
    const answer = await slackWebhook.interact!(request, test.ctx, operations, Promise.resolve(true));
    const ms = performance.now() - started;
    expect({ status: answer.status, quick: ms < 1_000 }).toEqual({ status: 200, quick: true });
    expect(JSON.parse(String(answer.body))).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/answers \/hub, not \/grc/) });
  });
});
