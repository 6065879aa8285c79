import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { slackTestContext, type SlackTestContext } from './test-context.testing.ts';
import { createSlackProfiles } from './user-email.ts';

// Profiles and the app's workspace are cached for ten minutes; past that they are asked again and
// the expired entries go, and however many people and integrations come by, the caches stay bounded.

const TEN_MINUTES = 10 * 60 * 1000;
let slack: FakeSlack;
let test: SlackTestContext;
let client: WebClient;

beforeEach(async () => {
  const users = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`U${i}`, { name: `person${i}`, email: `person${i}@acme.example` }]));
  slack = await startFakeSlack({ users });
  test = slackTestContext(slack.apiUrl, { botToken: slack.botToken });
  client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
});
afterEach(async () => {
  test.breakers.shutdown();
  await slack.close();
});

/** Profiles on a clock the test moves. */
function profiles(maxProfiles = 100, maxWorkspaces = 100) {
  let now = 1_700_000_000_000;
  const lookup = createSlackProfiles({ maxProfiles, maxWorkspaces, now: () => now });
  return { lookup, advance: (ms: number) => (now += ms) };
}

const calls = (method: string) => slack.requests.filter((request) => request.method === method).length;

describe('createSlackProfiles', () => {
  it('asks Slack once within ten minutes, and again once they have passed', async () => {
    const { lookup, advance } = profiles();
    expect(await lookup.lookUp(client, 'U1', test.ctx)).toEqual({ email: 'person1@acme.example', name: 'person1' });
    advance(TEN_MINUTES - 1);
    expect(await lookup.lookUp(client, 'U1', test.ctx)).toEqual({ email: 'person1@acme.example', name: 'person1' });
    expect([calls('users.info'), calls('auth.test')]).toEqual([1, 1]);

    advance(1);
    expect(await lookup.lookUp(client, 'U1', test.ctx)).toEqual({ email: 'person1@acme.example', name: 'person1' });
    expect([calls('users.info'), calls('auth.test')]).toEqual([2, 2]);
    expect(lookup.held()).toEqual({ profiles: 1, workspaces: 1 });
  });

  it('lets the profiles of people who have not come back go', async () => {
    const { lookup, advance } = profiles();
    for (let i = 0; i < 10; i++) await lookup.lookUp(client, `U${i}`, test.ctx);
    expect(lookup.held().profiles).toBe(10);
    advance(TEN_MINUTES);

    await lookup.lookUp(client, 'U11', test.ctx);

    expect(lookup.held()).toEqual({ profiles: 1, workspaces: 1 });
  });

  it('holds no more profiles and workspaces than its bounds, dropping the least recently used', async () => {
    const { lookup } = profiles(3, 2);
    const integrations = ['one', 'two', 'three'].map((name) => ({ ...test.ctx, integrationId: `int-${name}` }));
    for (const ctx of integrations) for (let i = 0; i < 4; i++) await lookup.lookUp(client, `U${i}`, ctx);

    expect(lookup.held()).toEqual({ profiles: 3, workspaces: 2 });
    const asked = calls('users.info');
    // The most recently used are still served from the cache.
    await lookup.lookUp(client, 'U3', integrations[2]!);
    expect(calls('users.info')).toBe(asked);
    // The least recently used was dropped: asked again.
    await lookup.lookUp(client, 'U0', integrations[0]!);
    expect(calls('users.info')).toBe(asked + 1);
  });
});
