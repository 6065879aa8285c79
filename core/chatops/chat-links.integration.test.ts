import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { createUser, disableUserAccount } from '../users/user.service.ts';

describe('linking Slack users to hub users', () => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'chat-links' });
    tenant = await test.createTenant('acme');
    await createUser(test.hub.db, { tenantId: tenant.id, email: 'Ana@Example.com', name: 'Ana', role: 'operator', password: 'correct horse battery' });
    await createUser(test.hub.db, { tenantId: tenant.id, email: 'gone@example.com', name: 'Gone', role: 'admin', password: 'correct horse battery' });
    await disableUserAccount(test.hub.db, tenant.id, 'gone@example.com', new Date());
  });
  afterAll(async () => {
    await test?.close();
  });

  const link = (userId: string, userEmail: string) =>
    test.request('post', '/api/slack/links', { token: tenant.tokens.admin, body: { teamId: 'T1', userId, userEmail } });
  const linksOf = (userId: string) => test.hub.db.selectFrom('chat_user_links').selectAll().where('tenant_id', '=', tenant.id).where('user_id', '=', userId).execute();

  it('finds the hub user whatever the case of the email', async () => {
    for (const email of ['Ana@Example.com', 'ana@example.com', 'ANA@EXAMPLE.COM']) {
      const response = await link('U1', email);
      expect(response.status, email).toBe(201);
      expect((await response.json()).hubUser).toMatchObject({ email: 'ana@example.com', role: 'operator' });
    }
    expect(await linksOf('U1')).toHaveLength(1);
  });

  it('refuses to link a disabled user', async () => {
    const response = await link('U2', 'Gone@example.com');
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({ message: 'that hub user is disabled', fields: [{ path: 'body.userEmail' }] });
    expect(await linksOf('U2')).toEqual([]);
  });

  it('refuses an email no user of the tenant has', async () => {
    const other = await test.createTenant('beta');
    const response = await test.request('post', '/api/slack/links', { token: other.tokens.admin, body: { teamId: 'T1', userId: 'U3', userEmail: 'ana@example.com' } });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toBe('no hub user has that email');
  });
});
