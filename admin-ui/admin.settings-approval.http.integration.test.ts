import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { createTestUser, type TestUser } from '../test-support/browser/admin-server.ts';
import { tenantSettings, updateTenantSettings } from '../core/tenancy/tenant-settings.ts';

// The Settings page under four eyes: an admin who unticks rotation approval while it is on asks for
// it to be switched off; the page shows the request, offers the requester only Withdraw, and another
// admin Approve (CSRF-protected forms, as every change in the admin UI).

let fx: AdminHttpFixture;
let secondAdmin: TestUser;

beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_settings_approval');
  secondAdmin = await createTestUser(fx.test.hub.db, fx.acme.id, 'admin');
});
afterAll(async () => {
  await fx?.close();
});

const approvalRequired = async () => (await tenantSettings(fx.test.hub, fx.acme.id)).requireRotationApproval;
const pendingIds = async () =>
  (await fx.test.hub.db.selectFrom('tenant_setting_changes').select('id').where('tenant_id', '=', fx.acme.id).where('status', '=', 'pending_approval').execute()).map((row) => row.id);

describe('admin UI settings: switching off rotation approval', () => {
  it('waits for another admin, who approves it on the Settings page; the requester cannot', async () => {
    await updateTenantSettings(fx.test.hub, fx.acme.id, { requireRotationApproval: true });
    const requester = await fx.signIn(fx.admin);
    await requester.get('/admin/settings');
    const off = await requester.post('/admin/settings', { requireRotationApproval: 'false' });
    expect(off.status).toBe(303);
    expect(off.location).toBe('/admin/settings?notice=settings_change_pending');
    expect(await approvalRequired()).toBe(true);
    const [id] = await pendingIds();
    expect(id).toBeDefined();

    const own = await requester.get(off.location ?? '');
    expect(own.body).toContain('Rotation approval stays on until another admin approves switching it off');
    expect(own.body).toContain('Switching off waits for approval');
    expect(own.body).toContain(`Requested by user:${fx.admin.email}`);
    expect(own.body).toContain('Another admin has to approve your own request.');
    expect(own.body).not.toContain(`/admin/settings/changes/${id}/approve`);
    expect(own.body).toContain(`action="/admin/settings/changes/${id}/cancel"`);
    // Forged: the requester posts the approval the page does not offer them.
    const forged = await requester.post(`/admin/settings/changes/${id}/approve`);
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('create a second admin');
    expect(await approvalRequired()).toBe(true);

    const approver = await fx.signIn(secondAdmin);
    const page = await approver.get('/admin/settings');
    expect(page.body).toMatch(new RegExp(`<form method="post" action="/admin/settings/changes/${id}/approve" class="inline-form"><input type="hidden" name="_csrf" value="[^"]+">`));
    expect((await approver.post(`/admin/settings/changes/${id}/approve`, {}, { csrf: null })).status).toBe(403);
    expect(await approvalRequired()).toBe(true);
    const approved = await approver.post(`/admin/settings/changes/${id}/approve`);
    expect(approved.status).toBe(303);
    expect(approved.location).toBe('/admin/settings?notice=settings_change_approved');
    expect(await approvalRequired()).toBe(false);
    const after = await approver.get(approved.location ?? '');
    expect(after.body).not.toContain('Switching off waits for approval');
    expect(after.body).not.toMatch(/name="requireRotationApproval" value="true" checked/);

    const userId = async (user: TestUser) => (await fx.test.hub.db.selectFrom('users').select('id').where('email', '=', user.email).executeTakeFirstOrThrow()).id;
    const steps = await fx.test.hub.db.selectFrom('audit_log').select(['action', 'actor_type', 'actor_id']).where('target_id', '=', id ?? '').orderBy('created_at').execute();
    expect(steps).toEqual([
      { action: 'tenant.settings_change_requested', actor_type: 'user', actor_id: await userId(fx.admin) },
      { action: 'tenant.settings_change_approved', actor_type: 'user', actor_id: await userId(secondAdmin) },
    ]);
  });

  it('lets the requester withdraw their switch-off; approval stays on', async () => {
    await updateTenantSettings(fx.test.hub, fx.acme.id, { requireRotationApproval: true });
    const requester = await fx.signIn(fx.admin);
    await requester.get('/admin/settings');
    await requester.post('/admin/settings', { requireRotationApproval: 'false' });
    const [id] = await pendingIds();
    await requester.get('/admin/settings');
    const withdrawn = await requester.post(`/admin/settings/changes/${id}/cancel`);
    expect(withdrawn.location).toBe('/admin/settings?notice=settings_change_cancelled');
    expect(await pendingIds()).toEqual([]);
    expect(await approvalRequired()).toBe(true);
    const page = await requester.get(withdrawn.location ?? '');
    expect(page.body).toMatch(/name="requireRotationApproval" value="true" checked/);
  });

  it('switches approval on at once', async () => {
    await updateTenantSettings(fx.test.hub, fx.acme.id, { requireRotationApproval: false });
    const client = await fx.signIn(fx.admin);
    await client.get('/admin/settings');
    const on = await client.post('/admin/settings', { requireRotationApproval: 'true' });
    expect(on.location).toBe('/admin/settings?notice=settings_saved');
    expect(await approvalRequired()).toBe(true);
  });
});
