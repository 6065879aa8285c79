import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { createTestUser } from '../../test-support/browser/admin-server.ts';
import { authenticateApiToken, createApiToken, issueApiToken } from '../auth/api-token.service.ts';
import { userPerson } from '../auth/principal.ts';
import { findUserByEmail } from './user.repository.ts';
import { createSession, loadSession } from '../../admin-ui/auth/session.service.ts';
import { disableUserAccount, enableUserAccount } from './user.service.ts';

// Disabling a user ends their sessions and revokes the tokens that act for them, in one
// transaction. A request that was authenticated just before it committed may still make a token
// after it: that token must not act for the disabled person either, nor come back when the user is
// enabled again.

describe.each(RUNTIME_MODES)('tokens of a disabled user ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'user_disable', ...options });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const use = { method: 'POST', path: '/api/tokens', requestId: 'r' };

  it('do not work, a token made by a request authenticated just before the disable included', async () => {
    const mallory = await createTestUser(test.hub.db, tenant.id, 'admin');
    const user = await findUserByEmail(test.hub.db, tenant.id, mallory.email);
    const own = await createApiToken(test.hub.db, { tenantId: tenant.id, role: 'admin', name: 'laptop', createdBy: 'test', person: userPerson(user!.id) });
    // A POST /api/tokens authenticates...
    const principal = await authenticateApiToken(test.hub.db, own.token, test.hub.clock(), use);
    expect(principal?.person).toBe(userPerson(user!.id));
    // ...the user is disabled meanwhile...
    const disabled = await disableUserAccount(test.hub.db, tenant.id, mallory.email, test.hub.clock());
    expect(disabled?.revokedTokens.map((token) => token.id)).toEqual([own.row.id]);
    // ...and the request goes on to make its token, acting for the same person.
    const made = await issueApiToken(test.hub, principal!, { name: 'made meanwhile', role: 'admin' }, 'r');
    expect(await authenticateApiToken(test.hub.db, made.token, test.hub.clock(), use)).toBeUndefined();
    expect((await test.request('get', '/api/tokens', { token: made.token })).status).toBe(401);
  });

  it('leave tokens acting for no user, and for enabled users, working', async () => {
    const olga = await createTestUser(test.hub.db, tenant.id, 'operator');
    const user = await findUserByEmail(test.hub.db, tenant.id, olga.email);
    const hers = await createApiToken(test.hub.db, { tenantId: tenant.id, role: 'operator', name: 'olga', createdBy: 'test', person: userPerson(user!.id) });
    const service = await createApiToken(test.hub.db, { tenantId: tenant.id, role: 'operator', name: 'service', createdBy: 'test' });
    for (const token of [hers.token, service.token]) expect(await authenticateApiToken(test.hub.db, token, test.hub.clock(), use)).toMatchObject({ tenantId: tenant.id });
  });

  it('come back neither with a session nor with a token made during the disable when the user is enabled again', async () => {
    const sam = await createTestUser(test.hub.db, tenant.id, 'admin');
    const user = await findUserByEmail(test.hub.db, tenant.id, sam.email);
    const session = await createSession(test.hub.db, { userId: user!.id, tenantId: tenant.id, userAgent: 'laptop', ip: undefined, now: new Date() });
    const own = await createApiToken(test.hub.db, { tenantId: tenant.id, role: 'admin', name: 'laptop', createdBy: 'test', person: userPerson(user!.id) });
    const principal = await authenticateApiToken(test.hub.db, own.token, test.hub.clock(), use);
    await disableUserAccount(test.hub.db, tenant.id, sam.email, test.hub.clock());
    const made = await issueApiToken(test.hub, principal!, { name: 'made meanwhile', role: 'admin' }, 'r');

    const enabled = await enableUserAccount(test.hub.db, tenant.id, sam.email.toUpperCase(), test.hub.clock());
    expect(enabled?.revokedTokens.map((token) => token.name)).toEqual(['made meanwhile']);
    expect(await loadSession(test.hub.db, session.token, new Date())).toBeUndefined();
    for (const token of [own.token, made.token]) expect(await authenticateApiToken(test.hub.db, token, test.hub.clock(), use)).toBeUndefined();
    // Enabled: a token made for them now works.
    const fresh = await createApiToken(test.hub.db, { tenantId: tenant.id, role: 'admin', name: 'new laptop', createdBy: 'test', person: userPerson(user!.id) });
    expect(await authenticateApiToken(test.hub.db, fresh.token, test.hub.clock(), use)).toMatchObject({ tenantId: tenant.id });
  });
});
