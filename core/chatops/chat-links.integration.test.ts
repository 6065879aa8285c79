import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatIdentity } from '../../connectors/sdk/operations.types.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { createUser, disableUserAccount } from '../users/user.service.ts';
import { hubOperations } from './hub-operations.ts';

describe('linking Slack users to hub users', () => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'chat-links' });
    tenant = await test.createTenant('acme');
    await createUser(test.hub.db, { tenantId: tenant.id, email: 'Ana@Example.com', name: 'Ana', role: 'operator', password: 'correct horse battery' });
    await createUser(test.hub.db, { tenantId: tenant.id, email: 'gone@example.com', name: 'Gone', role: 'admin', password: 'correct horse battery' });
    await disableUserAccount(test.hub.db, tenant.id, 'gone@example.com', new Date());
    await createUser(test.hub.db, { tenantId: tenant.id, email: 'ann@example.com', name: 'Ann', role: 'operator', password: 'correct horse battery' });
    await createUser(test.hub.db, { tenantId: tenant.id, email: 'olivia@example.com', name: 'Olivia', role: 'operator', password: 'correct horse battery' });
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

  it('accepts the link request shown in connectors/slack/README.md (step 5) as written', async () => {
    const readme = readFileSync(new URL('../../connectors/slack/README.md', import.meta.url), 'utf8');
    const example = /api\/slack\/links[\s\S]*?-d '(\{[^']*\})'/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const response = await test.request('post', '/api/slack/links', { token: tenant.tokens.admin, body: JSON.parse(example!) });
    expect(response.status, await response.clone().text()).toBe(201);
    expect((await response.json()).hubUser).toMatchObject({ email: 'ann@example.com' });
  });

  it('makes an unlink stick: the Slack user is not linked again by email, and is told an admin unlinked them, until an admin links them', async () => {
    // Olivia's Slack profile has the email of her hub user, so the hub links her by it on first use.
    const olivia: ChatIdentity = { platform: 'slack', teamId: 'T1', userId: 'U0OLIVIA', email: 'olivia@example.com' };
    const ack = (key: string) => hubOperations(test.hub, tenant.id).acknowledgeTask(olivia, key);
    const listed = async () => (await (await test.request('get', '/api/slack/links', { token: tenant.tokens.admin })).json()).links as Array<{ id: string; userId: string; linkedBy: string }>;
    const task = await test.hub.db
      .insertInto('tasks')
      .values({ tenant_id: tenant.id, number: 7, integration_id: null, code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', title: 'auth failing', severity: 'high', status: 'open', updated_at: new Date() })
      .returningAll()
      .executeTakeFirstOrThrow();

    await expect(hubOperations(test.hub, tenant.id).status(olivia)).resolves.toBeInstanceOf(Array);
    const emailLink = (await listed()).find((l) => l.userId === 'U0OLIVIA');
    expect(emailLink).toMatchObject({ linkedBy: 'verified-email' });
    expect((await test.request('delete', `/api/slack/links/${emailLink!.id}`, { token: tenant.tokens.admin })).status).toBe(204);

    // Her email still matches, command after command.
    for (let attempt = 0; attempt < 2; attempt += 1) await expect(ack('TASK-7')).rejects.toThrow(/An admin unlinked your chat account/);
    expect((await test.hub.db.selectFrom('tasks').select('status').where('id', '=', task.id).executeTakeFirstOrThrow()).status).toBe('open');
    expect((await listed()).map((l) => l.userId)).not.toContain('U0OLIVIA');
    expect((await test.request('delete', `/api/slack/links/${emailLink!.id}`, { token: tenant.tokens.admin })).status).toBe(404);

    expect((await link('U0OLIVIA', 'olivia@example.com')).status).toBe(201);
    await expect(ack('TASK-7')).resolves.toMatchObject({ status: 'acknowledged' });
    expect((await listed()).find((l) => l.userId === 'U0OLIVIA')).toMatchObject({ id: emailLink!.id, linkedBy: expect.not.stringMatching(/verified-email/) });
  });
});
