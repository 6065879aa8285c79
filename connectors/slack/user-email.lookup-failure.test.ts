import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { listenerClientOptions } from './bolt-app.ts';
import { slackTestContext, type SlackTestContext } from './test-context.testing.ts';
import { createSlackProfiles } from './user-email.ts';

// When Slack does not say who a person is (a 429 that outlasts the retries, an outage, no answer in
// time), the profile says the lookup failed, so the hub asks them to try again instead of telling a
// hub user to fix their email; a failure is not remembered. An answer that stands (an unknown user)
// is a profile without email, as before.

let slack: FakeSlack;
let test: SlackTestContext;

beforeEach(async () => {
  slack = await startFakeSlack({ users: { U0OPS: { name: 'olivia', email: 'ops@acme.example' } } });
  test = slackTestContext(slack.apiUrl, { botToken: slack.botToken });
});
afterEach(async () => {
  test.breakers.shutdown();
  await slack.close();
});

/** The listeners' client: one retry, as bolt-app.ts configures it. */
const client = (timeout = 5_000) => new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 }, timeout });

describe('a Slack profile lookup that gets no answer', () => {
  it('is a failed lookup when users.info answers 429 past the retries, then asks again next time', async () => {
    const profiles = createSlackProfiles({ maxProfiles: 10, maxWorkspaces: 10 });
    slack.failNext('users.info', 2, { status: 429, retryAfter: 1 });

    expect(await profiles.lookUp(client(), 'U0OPS', test.ctx)).toEqual({ lookupFailed: true });
    expect(await profiles.lookUp(client(), 'U0OPS', test.ctx)).toEqual({ email: 'ops@acme.example', name: 'olivia' });
  });

  it("gives up at once on a 429 with the listeners' own client, rather than wait out its Retry-After", async () => {
    const profiles = createSlackProfiles({ maxProfiles: 10, maxWorkspaces: 10 });
    slack.failNext('users.info', 1, { status: 429, retryAfter: 60 });
    const listeners = new WebClient(slack.botToken, listenerClientOptions(test.ctx));
    expect(await profiles.lookUp(listeners, 'U0OPS', test.ctx)).toEqual({ lookupFailed: true });
    expect(slack.requests.filter((request) => request.method === 'users.info')).toHaveLength(1);
  });

  it('is a failed lookup when Slack is down (5xx) or answers too late', async () => {
    const profiles = createSlackProfiles({ maxProfiles: 10, maxWorkspaces: 10 });
    slack.failNext('users.info', 2, { status: 503 });
    expect(await profiles.lookUp(client(), 'U0OPS', test.ctx)).toEqual({ lookupFailed: true });

    const slow = await startFakeSlack({ users: { U0OPS: { name: 'olivia', email: 'ops@acme.example' } }, answerDelayMs: 500 });
    try {
      const slowClient = new WebClient(slow.botToken, { slackApiUrl: slow.apiUrl, retryConfig: { retries: 0 }, timeout: 100 });
      expect(await profiles.lookUp(slowClient, 'U0OPS', { ...test.ctx, integrationId: 'slow' })).toEqual({ lookupFailed: true });
    } finally {
      await slow.close();
    }
  });

  it('is a failed lookup when Slack names a passing trouble of its own, but not for an unknown user', async () => {
    const profiles = createSlackProfiles({ maxProfiles: 10, maxWorkspaces: 10 });
    slack.failNext('users.info', 1, { error: 'service_unavailable' });
    expect(await profiles.lookUp(client(), 'U0OPS', test.ctx)).toEqual({ lookupFailed: true });

    expect(await profiles.lookUp(client(), 'U0NOBODY', test.ctx)).toEqual({});
  });
});
