import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import type { SlackContext } from './slack-api.ts';
import { slackTestContext, type SlackTestContext } from './test-context.testing.ts';
import { createSlackProfiles } from './user-email.ts';

// The app's workspace and the profiles looked up in it belong to the bot token they were asked
// with: once an integration's token is rotated to another workspace's, neither may be served from
// what the old token was told.

let before: FakeSlack;
let after: FakeSlack;
let test: SlackTestContext;

beforeEach(async () => {
  before = await startFakeSlack({ teamId: 'TOLD', botToken: 'xoxb-old-workspace', users: { U1: { name: 'ann', email: 'ann@old.example' } } });
  after = await startFakeSlack({
    teamId: 'TNEW',
    botToken: 'xoxb-new-workspace',
    users: { U1: { name: 'bob', email: 'bob@new.example' }, U2: { name: 'cy', email: 'cy@new.example' } },
  });
  test = slackTestContext(before.apiUrl, { botToken: before.botToken });
});
afterEach(async () => {
  test.breakers.shutdown();
  await Promise.all([before.close(), after.close()]);
});

const clientOf = (slack: FakeSlack) => new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });

/** The same integration once its bot token was rotated to the other workspace's. */
function rotated(ctx: SlackContext, slack: FakeSlack): SlackContext {
  return { ...ctx, config: { ...ctx.config, slackApiUrl: slack.apiUrl }, credentials: { ...ctx.credentials, botToken: slack.botToken } };
}

function profiles() {
  const now = 1_700_000_000_000;
  return createSlackProfiles({ maxProfiles: 100, maxWorkspaces: 100, now: () => now });
}

describe('Slack profiles after a bot token rotation', () => {
  it("asks the new token's workspace, so its members' emails count at once", async () => {
    const lookup = profiles();
    expect(await lookup.lookUp(clientOf(before), 'U1', test.ctx)).toEqual({ email: 'ann@old.example', name: 'ann' });

    const profile = await lookup.lookUp(clientOf(after), 'U2', rotated(test.ctx, after));

    expect(profile).toEqual({ email: 'cy@new.example', name: 'cy' });
    expect(after.requests.filter((request) => request.method === 'auth.test')).toHaveLength(1);
  });

  it('does not serve a profile the old token was given for the same member id', async () => {
    const lookup = profiles();
    await lookup.lookUp(clientOf(before), 'U1', test.ctx);

    expect(await lookup.lookUp(clientOf(after), 'U1', rotated(test.ctx, after))).toEqual({ email: 'bob@new.example', name: 'bob' });
  });

  it('still serves from the cache while the token stays', async () => {
    const lookup = profiles();
    await lookup.lookUp(clientOf(before), 'U1', test.ctx);
    await lookup.lookUp(clientOf(before), 'U1', test.ctx);

    expect(before.requests.filter((request) => request.method === 'users.info')).toHaveLength(1);
    expect(before.requests.filter((request) => request.method === 'auth.test')).toHaveLength(1);
  });
});
