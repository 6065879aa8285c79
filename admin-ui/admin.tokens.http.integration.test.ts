import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceNowViaApi, startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { formRecord } from './forms/rendered-form.testing.ts';
import { updateTenantSettings } from '../core/tenancy/tenant-settings.ts';

// The admin UI's API token page through the real Hono app: admins list, make and revoke tokens;
// a token made here acts for the signed-in user.

let fx: AdminHttpFixture;
const tokenIn = (body: string) => /<code>(hub_[A-Za-z0-9_-]+)<\/code>/.exec(body)?.[1] ?? '';

beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_tokens');
});
afterAll(async () => {
  await fx?.close();
});

describe('admin UI: API tokens', () => {
  it('makes a token that acts for the signed-in admin, shows it once, and revokes it', async () => {
    const client = await fx.signIn(fx.admin);
    const page = await client.get('/admin/tokens');
    expect(page.status).toBe(200);
    expect(page.body).toContain('acme-admin');
    expect(page.body).toContain('New API token');

    const created = await client.post('/admin/tokens', { name: 'siem-export', role: 'viewer', expiresOn: '2031-01-31' });
    expect(created.status).toBe(201);
    expect(created.body).toContain('it is not shown again');
    const token = tokenIn(created.body);
    expect(token).toMatch(/^hub_/);
    // It works, with its role, and acts for the admin who made it.
    expect((await fx.test.request('get', '/api/integrations', { token })).status).toBe(200);
    expect((await fx.test.request('post', '/api/tokens', { token, body: { name: 'x', role: 'viewer' } })).status).toBe(403);
    const user = await fx.test.hub.db.selectFrom('users').select('id').where('email', '=', fx.admin.email).executeTakeFirstOrThrow();
    const row = await fx.test.hub.db.selectFrom('api_tokens').selectAll().where('name', '=', 'siem-export').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ role: 'viewer', person: `user:${user.id}`, created_by: `user:${fx.admin.email}`, expires_at: new Date('2031-01-31T00:00:00.000Z') });
    // Never again: the list shows its prefix only.
    const listed = await client.get('/admin/tokens');
    expect(listed.body).not.toContain(token);
    expect(listed.body).toContain(`${row.display_prefix}…`);

    // Revoking asks first: the list links to a confirmation, and an unticked box revokes nothing.
    expect(listed.body).toContain(`href="/admin/tokens/${row.id}/revoke"`);
    const confirmation = await client.get(`/admin/tokens/${row.id}/revoke`);
    expect(confirmation.status).toBe(200);
    expect(confirmation.body).toContain('I understand that siem-export stops working at once');
    expect(confirmation.body).not.toContain(token);
    const unticked = await client.post(`/admin/tokens/${row.id}/revoke`, {});
    expect(unticked.status).toBe(400);
    expect(unticked.body).toContain('Tick the confirmation box to revoke the token.');
    expect((await fx.test.request('get', '/api/integrations', { token })).status).toBe(200);

    const revoked = await client.post(`/admin/tokens/${row.id}/revoke`, formRecord(confirmation.body, `/admin/tokens/${row.id}/revoke`, { confirm: 'yes' }));
    expect(revoked.status).toBe(303);
    expect(revoked.location).toBe('/admin/tokens?notice=token_revoked');
    expect((await fx.test.request('get', '/api/integrations', { token })).status).toBe(401);
    const again = await client.post(`/admin/tokens/${row.id}/revoke`, { confirm: 'yes' });
    expect(again.status).toBe(404);
    expect((await client.get(`/admin/tokens/${row.id}/revoke`)).status).toBe(404);
    const audit = await fx.test.hub.db.selectFrom('audit_log').select(['action', 'actor_type']).where('target_id', '=', row.id).orderBy('created_at').execute();
    expect(audit).toEqual([
      { action: 'token.created', actor_type: 'user' },
      { action: 'token.used', actor_type: 'token' },
      { action: 'token.revoked', actor_type: 'user' },
    ]);
  });

  it('makes one token per form: the same form sent again (a reload) makes no second one', async () => {
    const client = await fx.signIn(fx.admin);
    const page = await client.get('/admin/tokens');
    const form = formRecord(page.body, '/admin/tokens', { name: 'reloaded', role: 'viewer' });
    expect(form['formId']).toMatch(/^[0-9a-f-]{36}$/);
    const first = await client.post('/admin/tokens', form);
    expect(first.status).toBe(201);
    const again = await client.post('/admin/tokens', form);
    expect(again.status).toBe(409);
    expect(again.body).toContain('No new token was made');
    expect(tokenIn(again.body)).toBe('');
    expect(await fx.test.hub.db.selectFrom('api_tokens').select('id').where('name', '=', 'reloaded').execute()).toHaveLength(1);
    // A fresh form makes another.
    const next = await client.post('/admin/tokens', formRecord(first.body, '/admin/tokens', { name: 'reloaded', role: 'viewer' }));
    expect(next.status).toBe(201);
  });

  it('says what is wrong with the form and makes nothing', async () => {
    const client = await fx.signIn(fx.admin);
    await client.get('/admin/tokens');
    const count = async () => (await fx.test.hub.db.selectFrom('api_tokens').select('id').execute()).length;
    const before = await count();
    for (const [form, message] of [
      [{ name: ' ', role: 'viewer', expiresOn: '' }, 'Name'],
      [{ name: 'ok', role: 'root', expiresOn: '' }, 'Role'],
      [{ name: 'ok', role: 'viewer', expiresOn: '2001-01-01' }, 'must be in the future'],
      [{ name: 'ok', role: 'viewer', expiresOn: 'soon' }, 'enter a date as YYYY-MM-DD'],
    ] as const) {
      const response = await client.post('/admin/tokens', form);
      expect(response.status, JSON.stringify(form)).toBe(400);
      expect(response.body).toContain('No token was created');
      expect(response.body).toContain(message);
    }
    expect(await count()).toBe(before);
  });

  it('shows which token or user made each token, and revokes a token with the tokens made from it when asked', async () => {
    const client = await fx.signIn(fx.admin);
    const make = async (maker: string, name: string) => (await (await fx.test.request('post', '/api/tokens', { token: maker, body: { name, role: 'admin' } })).json()) as { id: string; token: string };
    const leaked = await make(fx.acme.tokens.admin, 'leaked-ci');
    const minted = await make(leaked.token, 'minted-by-leak');
    const deeper = await make(minted.token, 'minted-deeper');
    await client.get('/admin/tokens');
    const mine = tokenIn((await client.post('/admin/tokens', { name: 'my-laptop', role: 'viewer', expiresOn: '' })).body);

    const page = (await client.get('/admin/tokens')).body;
    const rowOf = (body: string, name: string) => new RegExp(`<th scope="row">${name}</th>[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';
    expect(page).toContain('<th scope="col">Made by</th>');
    expect(rowOf(page, 'minted-by-leak')).toContain('token leaked-ci');
    expect(rowOf(page, 'minted-deeper')).toContain('token minted-by-leak');
    // Acts for you, and made by you.
    expect(rowOf(page, 'my-laptop').match(/<td>you<\/td>/g)).toHaveLength(2);
    const user = await fx.test.hub.db.selectFrom('users').select('id').where('email', '=', fx.admin.email).executeTakeFirstOrThrow();
    const laptop = await fx.test.hub.db.selectFrom('api_tokens').selectAll().where('name', '=', 'my-laptop').executeTakeFirstOrThrow();
    expect(laptop).toMatchObject({ created_by_user_id: user.id, created_by_token_id: null });

    // The confirmation names what the token made and asks whether to revoke it too; not ticked, it stays.
    const confirmation = await client.get(`/admin/tokens/${leaked.id}/revoke`);
    expect(confirmation.body).toContain('leaked-ci made 2 tokens that still work');
    expect(confirmation.body).toContain('minted-by-leak');
    expect(confirmation.body).toContain('minted-deeper');
    expect(confirmation.body).toContain('Also revoke the 2 tokens made from leaked-ci');
    const alone = await client.post(`/admin/tokens/${leaked.id}/revoke`, formRecord(confirmation.body, `/admin/tokens/${leaked.id}/revoke`, { confirm: 'yes' }));
    expect(alone.status).toBe(303);
    expect(alone.location).toBe('/admin/tokens?notice=token_revoked_descendants_left');
    expect((await fx.test.request('get', '/api/integrations', { token: leaked.token })).status).toBe(401);
    expect((await fx.test.request('get', '/api/integrations', { token: deeper.token })).status).toBe(200);

    // The revoked token's row still offers to revoke what it made.
    const after = (await client.get('/admin/tokens?notice=token_revoked_descendants_left')).body;
    expect(after).toContain('Tokens made from it still work');
    expect(rowOf(after, 'leaked-ci')).toContain(`href="/admin/tokens/${leaked.id}/revoke"`);
    expect(rowOf(after, 'leaked-ci')).toContain('Revoke 2 made from it');
    const second = await client.get(`/admin/tokens/${leaked.id}/revoke`);
    expect(second.status).toBe(200);
    const all = await client.post(`/admin/tokens/${leaked.id}/revoke`, formRecord(second.body, `/admin/tokens/${leaked.id}/revoke`, { confirm: 'yes', withDescendants: 'yes' }));
    expect(all.status).toBe(303);
    expect(all.location).toBe('/admin/tokens?notice=token_revoked_with_descendants');
    for (const gone of [minted, deeper]) expect((await fx.test.request('get', '/api/integrations', { token: gone.token })).status).toBe(401);
    expect((await fx.test.request('get', '/api/integrations', { token: mine })).status).toBe(200);
    expect((await fx.test.request('get', '/api/integrations', { token: fx.acme.tokens.admin })).status).toBe(200);
    const audit = await fx.test.hub.db.selectFrom('audit_log').select(['actor_type', 'detail']).where('action', '=', 'token.revoked').where('target_id', '=', deeper.id).execute();
    expect(audit).toEqual([{ actor_type: 'user', detail: { name: 'minted-deeper', reason: `made by revoked token ${minted.id}`, revokedWith: leaked.id } }]);
    // Nothing of its line is left to revoke.
    expect((await client.get(`/admin/tokens/${leaked.id}/revoke`)).status).toBe(404);
    expect(rowOf((await client.get('/admin/tokens')).body, 'leaked-ci')).not.toContain('/revoke');
  });

  it('is for admins only, and for their own tenant', async () => {
    const operator = await fx.signIn(fx.operator);
    await operator.get('/admin/health');
    expect((await operator.get('/admin/tokens')).status).toBe(403);
    const forged = await operator.post('/admin/tokens', { name: 'sneaky', role: 'admin' });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('Only users with the admin role');
    expect(await fx.test.hub.db.selectFrom('api_tokens').select('id').where('name', '=', 'sneaky').execute()).toEqual([]);
    const others = await fx.test.hub.db.selectFrom('api_tokens').select('id').where('tenant_id', '=', fx.other.id).executeTakeFirstOrThrow();
    const admin = await fx.signIn(fx.admin);
    await admin.get('/admin/tokens');
    expect((await admin.post(`/admin/tokens/${others.id}/revoke`, { confirm: 'yes' })).status).toBe(404);
    expect((await admin.get(`/admin/tokens/${others.id}/revoke`)).status).toBe(404);
    expect((await operator.get(`/admin/tokens/${others.id}/revoke`)).status).toBe(403);
    expect((await admin.get('/admin/tokens')).body).not.toContain('other-admin');
  });

  it('does not offer an admin Approve on a rotation they requested through a token made here', async () => {
    const integration = await createServiceNowViaApi(fx.test, fx.acme, 'SN for four eyes', fx.fake.url);
    const client = await fx.signIn(fx.admin);
    await client.get('/admin/tokens');
    const token = tokenIn((await client.post('/admin/tokens', { name: 'my-cli', role: 'admin', expiresOn: '' })).body);
    expect((await fx.test.request('patch', '/api/tenant/settings', { token: fx.acme.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    try {
      const rotate = await fx.test.request('post', `/api/integrations/${integration}/credentials/rotate`, {
        token,
        body: { credentials: { auth: { type: 'basic', username: 'svc', password: 'next-password-long-2222' } }, reason: 'via my token' },
      });
      expect(rotate.status).toBe(202);
      const { rotation } = await rotate.json();
      const page = await client.get(`/admin/integrations/${integration}/credentials`);
      expect(page.body).not.toContain(`/credentials/rotations/${rotation.id}/approve`);
      expect(page.body).toContain('Another admin has to approve your own request.');
      expect(page.body).toContain('Withdraw');
    } finally {
      await updateTenantSettings(fx.test.hub, fx.acme.id, { requireRotationApproval: false });
    }
  });
});
