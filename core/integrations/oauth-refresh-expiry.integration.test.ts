import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { remindExpiringCredentials } from '../vault/credential-expiry.ts';
import { integrationTokenStore } from './oauth-token.store.ts';
import { startRotationWorld, type RotationWorld } from '../vault/rotation-world.testing.ts';

// A refresh token with a fixed end of life, its endpoint's refresh_token_expires_in counting down:
// each refresh tells the same end as seconds left from another instant, so it comes out a little
// different every time. The reminders must not start over for it ("once per step"), or a reminder
// an operator resolved would open again after every refresh.

let world: RotationWorld;
let test: TestHub;
let tenant: TestTenant;

beforeAll(async () => {
  world = await startRotationWorld('vault_jitter', {});
  ({ test, tenant } = world);
});
afterAll(async () => {
  await world?.close();
});

describe('expiry reminders of a refresh token with a fixed end of life', () => {
  it('raise each step once, however often the access token is refreshed', async () => {
    const integration = await world.createIntegration('expiry-jitter');
    const store = integrationTokenStore(test.hub, tenant.id, integration.id, { refreshTokenIsTheCredential: true });
    const t0 = test.hub.clock().getTime();
    // As toOAuthToken computes it: the response's instant plus refresh_token_expires_in seconds.
    const refreshAt = (instant: number, expiresInSeconds: number, accessToken: string) =>
      store.exclusive!(async () => {
        await store.load();
        await store.save({ accessToken, refreshToken: 'rt-same', expiresAt: new Date(instant + 1_800_000), refreshExpiresAt: new Date(instant + expiresInSeconds * 1000) });
      });
    const tasks = async () => (await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json()).tasks;

    await refreshAt(t0, 5 * 86_400, 'a');
    expect(await remindExpiringCredentials(test.hub)).toBe(1);
    const [first] = await tasks();
    // The operator reads the reminder and resolves it: a rotation is planned.
    expect((await test.request('post', `/api/tasks/${first.id}/resolve`, { token: tenant.tokens.operator, body: { note: 'rotation planned' } })).status).toBe(200);

    // 1.4 s later the next refresh: the endpoint says 1 s less (5 days minus 1 s), the same end of life ± 0.4 s.
    await refreshAt(t0 + 1_400, 5 * 86_400 - 1, 'b');
    const raisedAgain = await remindExpiringCredentials(test.hub);
    const open = (await tasks()).filter((task: { status: string }) => task.status === 'open');
    expect({ raisedAgain, open: open.length }).toEqual({ raisedAgain: 0, open: 0 });
  });
});
