import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { ACCEPTED_PASSWORD, startRotationWorld, type RotationWorld } from '../vault/rotation-world.testing.ts';
import { tenantSettings, updateTenantSettings } from './tenant-settings.ts';

// Four eyes on the four-eyes setting: with `requireRotationApproval` on, the admin it checks must not
// switch it off alone and then rotate alone. Switching it off waits for another person; switching it
// on is immediate. On PostgreSQL and on embedded PGlite (one connection: every step of an approval
// must run through its transaction).

describe.each(['postgres', 'pglite'] as const)('switching off rotation approval on %s', (database) => {
  let world: RotationWorld;
  let test: TestHub;
  let tenant: TestTenant;
  let secondAdmin: string;

  beforeAll(async () => {
    world = await startRotationWorld(`setting_approval_${database}`, { database, queue: 'memory' });
    ({ test, tenant, secondAdmin } = world);
  });
  afterAll(async () => {
    await world?.close();
  });
  afterEach(async () => {
    // Each test starts from approval off and nothing pending.
    await test.hub.db.updateTable('tenant_setting_changes').set({ status: 'cancelled' }).where('status', '=', 'pending_approval').execute();
    await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
  });

  const patch = (on: boolean, token = tenant.tokens.admin) => test.request('patch', '/api/tenant/settings', { token, body: { requireRotationApproval: on } });
  const decide = (id: string, decision: 'approve' | 'cancel', token: string) => test.request('post', `/api/tenant/settings/changes/${id}/${decision}`, { token });
  const approvalRequired = async () => (await tenantSettings(test.hub, tenant.id)).requireRotationApproval;
  const auditOf = async (targetId: string) =>
    (await (await test.request('get', `/api/audit?targetId=${targetId}`, { token: tenant.tokens.admin })).json()).entries as Array<{ action: string; actorId: string; actorType: string; createdAt: string; detail: Record<string, unknown> }>;

  it('keeps approval on when the admin it checks switches it off: the switch-off waits, and their rotation still does', async () => {
    expect((await patch(true)).status).toBe(200);
    const integration = await world.createIntegration(`alone-${database}`);
    expect((await world.rotate(integration.id, ACCEPTED_PASSWORD)).status).toBe(202);

    const off = await patch(false);
    expect(off.status).toBe(202);
    const answer = await off.json();
    expect(answer).toMatchObject({
      status: 'pending_approval',
      settings: { requireRotationApproval: true },
      change: { setting: 'requireRotationApproval', value: false, status: 'pending_approval', requestedBy: 'token:acme-admin', decidedBy: null, decidedAt: null },
    });
    expect(Date.parse(answer.change.requestedAt)).not.toBeNaN();
    expect(await approvalRequired()).toBe(true);
    expect(await (await test.request('get', '/api/tenant/settings', { token: tenant.tokens.admin })).json()).toEqual({ requireRotationApproval: true });

    // Meanwhile rotations behave as before: they wait for a second admin.
    expect((await world.rotate(integration.id, ACCEPTED_PASSWORD)).status).toBe(202);
    const { changes } = await (await test.request('get', '/api/tenant/settings/changes', { token: tenant.tokens.admin })).json();
    expect(changes).toEqual([answer.change]);
  });

  it('refuses the requester, through any token of theirs, and says what a workspace with one admin can do', async () => {
    expect((await patch(true)).status).toBe(200);
    const { change } = await (await patch(false)).json();
    const made = await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: { name: `own-second-${database}`, role: 'admin' } });
    expect(made.status).toBe(201);
    const ownSecondToken = (await made.json()).token as string;

    for (const token of [tenant.tokens.admin, ownSecondToken]) {
      const own = await decide(change.id, 'approve', token);
      expect(own.status).toBe(403);
      const { error } = await own.json();
      expect(error.code).toBe('second_admin_required');
      expect(error.message).toMatch(/another admin/);
      expect(error.message).toMatch(/only admin.*create a second admin|keep .*on/i);
    }
    expect(await approvalRequired()).toBe(true);
    const { changes } = await (await test.request('get', '/api/tenant/settings/changes', { token: tenant.tokens.admin })).json();
    expect(changes[0]).toMatchObject({ id: change.id, status: 'pending_approval' });
  });

  it('switches approval off once another admin approves, audited step by step; then a rotation applies at once', async () => {
    expect((await patch(true)).status).toBe(200);
    const integration = await world.createIntegration(`approved-off-${database}`);
    const { change } = await (await patch(false)).json();

    const approved = await decide(change.id, 'approve', secondAdmin);
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ id: change.id, status: 'applied', requestedBy: 'token:acme-admin', decidedBy: 'token:second-admin', decidedAt: expect.any(String) });
    expect(await approvalRequired()).toBe(false);
    const again = await decide(change.id, 'approve', secondAdmin);
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe('conflict');

    const steps = await auditOf(change.id);
    expect(steps.map((entry) => entry.action)).toEqual(['tenant.settings_change_approved', 'tenant.settings_change_requested']);
    const [approval, request] = steps;
    const tokenIds = await test.hub.db.selectFrom('api_tokens').select(['id', 'name']).where('tenant_id', '=', tenant.id).execute();
    const idOf = (name: string) => tokenIds.find((row) => row.name === name)?.id;
    expect(request).toMatchObject({ actorType: 'token', actorId: idOf('acme-admin'), detail: { setting: 'requireRotationApproval', value: false } });
    expect(approval).toMatchObject({ actorType: 'token', actorId: idOf('second-admin'), detail: { setting: 'requireRotationApproval', value: false, requestedBy: 'token:acme-admin' } });
    expect(Date.parse(approval?.createdAt ?? '')).toBeGreaterThanOrEqual(Date.parse(request?.createdAt ?? ''));
    const [changed] = (await auditOf(tenant.id)).filter((entry) => entry.action === 'tenant.settings_changed');
    expect(changed).toMatchObject({ actorId: idOf('second-admin'), detail: { requireRotationApproval: false, settingChangeId: change.id } });

    expect((await world.rotate(integration.id, ACCEPTED_PASSWORD)).status).toBe(200);
  });

  it('lets the requester withdraw and another admin cancel; a cancelled switch-off cannot be approved', async () => {
    expect((await patch(true)).status).toBe(200);
    const first = (await (await patch(false)).json()).change;
    const withdrawn = await decide(first.id, 'cancel', tenant.tokens.admin);
    expect(withdrawn.status).toBe(200);
    expect(await withdrawn.json()).toMatchObject({ status: 'cancelled', decidedBy: 'token:acme-admin' });
    expect((await decide(first.id, 'approve', secondAdmin)).status).toBe(409);
    expect(await approvalRequired()).toBe(true);

    const second = (await (await patch(false)).json()).change;
    expect(second.id).not.toBe(first.id);
    expect((await decide(second.id, 'cancel', secondAdmin)).status).toBe(200);
    expect((await decide(second.id, 'cancel', secondAdmin)).status).toBe(409);
    expect(await approvalRequired()).toBe(true);
    expect((await auditOf(first.id)).map((entry) => entry.action)).toEqual(['tenant.settings_change_cancelled', 'tenant.settings_change_requested']);
    expect((await auditOf(second.id))[0]).toMatchObject({ action: 'tenant.settings_change_cancelled', detail: { byRequester: false } });
  });

  it('makes one pending switch-off of two asked at once, which both answers name', async () => {
    expect((await patch(true)).status).toBe(200);
    const answers = await Promise.all([patch(false), patch(false, secondAdmin), patch(false)]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    const ids = new Set((await Promise.all(answers.map((answer) => answer.json()))).map((body) => body.change.id));
    expect(ids.size).toBe(1);
    const pending = await test.hub.db.selectFrom('tenant_setting_changes').select('id').where('tenant_id', '=', tenant.id).where('status', '=', 'pending_approval').execute();
    expect(pending.map((row) => row.id)).toEqual([...ids]);
  });

  it('switches approval on at once, and answers an unchanged setting at once', async () => {
    expect((await patch(false)).status).toBe(200);
    const on = await patch(true);
    expect(on.status).toBe(200);
    expect(await on.json()).toEqual({ requireRotationApproval: true });
    expect((await patch(true)).status).toBe(200);
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: {} })).status).toBe(200);
    expect(await test.hub.db.selectFrom('tenant_setting_changes').select('id').where('tenant_id', '=', tenant.id).where('status', '=', 'pending_approval').execute()).toEqual([]);
  });

  it("answers 404 for another tenant's pending switch-off", async () => {
    const other = await test.createTenant(`other-${database}`);
    await updateTenantSettings(test.hub, other.id, { requireRotationApproval: true });
    const { change } = await (await test.request('patch', '/api/tenant/settings', { token: other.tokens.admin, body: { requireRotationApproval: false } })).json();
    for (const decision of ['approve', 'cancel'] as const) expect((await decide(change.id, decision, secondAdmin)).status).toBe(404);
    expect((await tenantSettings(test.hub, other.id)).requireRotationApproval).toBe(true);
    expect((await (await test.request('get', '/api/tenant/settings/changes', { token: tenant.tokens.admin })).json()).changes.map((c: { id: string }) => c.id)).not.toContain(change.id);
  });
});
