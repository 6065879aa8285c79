import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceNowViaApi, startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { createTestUser } from '../test-support/browser/admin-server.ts';
import type { TestTenant } from '../test-support/test-hub.ts';
import { tenantSettings, updateTenantSettings } from '../core/tenancy/tenant-settings.ts';
import { openCredentials } from '../core/integrations/integration-credentials.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../test-support/schedules-off.ts';
import { formRecord } from './forms/rendered-form.testing.ts';

// The admin UI through the real Hono app, in process: what each role may configure and act on
// (integrations, credentials, routes, tenant settings, replays), including forged requests a form
// would never send.

let fx: AdminHttpFixture;
let test: AdminHttpFixture['test'];
let acme: AdminHttpFixture['acme'];
let admin: AdminHttpFixture['admin'];
let operator: AdminHttpFixture['operator'];
let acmeIntegration = '';
let otherIntegration = '';
let fake: AdminHttpFixture['fake'];
const signIn: AdminHttpFixture['signIn'] = (...args) => fx.signIn(...args);
const makeIntegration = (...args: [TestTenant, string, string?]) => createServiceNowViaApi(fx.test, ...args);
/** A processed event of acme's integration, as a delivery would have stored it. */
const storedEvent = (type: string, dedupeKey: string) =>
  test.hub.db
    .insertInto('integration_events')
    .values({ tenant_id: acme.id, integration_id: acmeIntegration, source: 'webhook', type, payload: '{}', payload_hash: 'h', dedupe_key: dedupeKey, status: 'processed' })
    .returning('id')
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_config');
  ({ test, acme, admin, operator, acmeIntegration, otherIntegration, fake } = fx);
});
afterAll(async () => {
  await fx?.close();
});

describe('admin UI over HTTP: configuration by role', () => {
  it('lets an operator act on runs but not configure: the form is absent and a forged save is 403', async () => {
    const client = await signIn(operator);
    const page = await client.get(`/admin/integrations/${acmeIntegration}`);
    expect(page.body).toContain('Check connection');
    expect(page.body).not.toContain('Save changes');
    const save = await client.post(`/admin/integrations/${acmeIntegration}`, { name: 'renamed', environment: 'staging', enabled: 'true' });
    expect(save.status).toBe(403);
    expect(save.body).toContain('Only users with the admin role can configure integrations');
    const pause = await client.post(`/admin/integrations/${acmeIntegration}/pause`);
    expect(pause.status).toBe(303);
    await client.get(`/admin/integrations/${acmeIntegration}`);
    expect((await client.post(`/admin/integrations/${acmeIntegration}/resume`)).status).toBe(303);
  });

  it('replays an event for operators and refuses viewers', async () => {
    const event = await storedEvent('incident.update', 'replay-me');
    const client = await signIn(operator);
    expect((await client.get(`/admin/events/${event.id}`)).body).toContain('Replay event');
    const replay = await client.post(`/admin/events/${event.id}/replay`);
    expect(replay.status).toBe(303);
    expect(replay.location).toBe(`/admin/events/${event.id}?notice=replayed`);
    expect((await client.get(`/admin/events/${event.id}?notice=replayed`)).body).toContain('Event queued for routing again');
    const row = await test.hub.db.selectFrom('integration_events').select('status').where('id', '=', event.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    const audited = await test.hub.db.selectFrom('audit_log').select('actor_type').where('action', '=', 'event.replayed').where('target_id', '=', event.id).executeTakeFirstOrThrow();
    expect(audited.actor_type).toBe('user');

    const viewer = await signIn(await createTestUser(test.hub.db, acme.id, 'viewer'));
    expect((await viewer.get(`/admin/events/${event.id}`)).body).not.toContain('Replay event');
    expect((await viewer.post(`/admin/events/${event.id}/replay`)).status).toBe(403);
  });

  it('warns when a replay leaves failed actions failed (their route is gone)', async () => {
    const event = await storedEvent('incident.update', 'replay-orphan');
    const deletedRoute = crypto.randomUUID();
    await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: acme.id, integration_id: acmeIntegration, kind: 'action', action: 'add_work_note', trigger: 'route', status: 'failed',
        idempotency_key: `route:${deletedRoute}:${event.id}`, route_id: deletedRoute, event_id: event.id, error_code: 'permission_denied',
      })
      .execute();
    const client = await signIn(operator);
    expect((await client.get(`/admin/events/${event.id}`)).body).toContain('Replay event');
    const replay = await client.post(`/admin/events/${event.id}/replay`);
    expect(replay.status).toBe(303);
    expect(replay.location).toBe(`/admin/events/${event.id}?notice=replayed_some_stay_failed`);
    expect((await client.get(replay.location ?? '')).body).toContain('some of its failed actions stay failed');
  });

  it('offers no replay of a chat interaction, and refuses one posted anyway', async () => {
    const event = await storedEvent('slack.command', 'interaction:T1:trigger-1');
    const client = await signIn(operator);
    const page = await client.get(`/admin/events/${event.id}`);
    expect(page.body).not.toContain('Replay event');
    expect(page.body).toContain('Interactions are not routed, so it cannot be replayed.');
    expect((await client.post(`/admin/events/${event.id}/replay`)).status).toBe(409);
    const row = await test.hub.db.selectFrom('integration_events').select('status').where('id', '=', event.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('processed');
  });

  it('saves an edit that leaves the credentials blank without touching the stored ones', async () => {
    const client = await signIn(admin);
    await client.get(`/admin/integrations/${acmeIntegration}`);
    const before = await test.hub.db.selectFrom('integration_configs').select(['credentials_ciphertext', 'config']).where('id', '=', acmeIntegration).executeTakeFirstOrThrow();
    const save = await client.post(`/admin/integrations/${acmeIntegration}`, {
      name: 'SN renamed',
      environment: 'staging',
      enabled: 'true',
      'config.instanceUrl': 'http://127.0.0.1:9',
      'config.pageSize': '50',
      'credentials.auth.type': 'basic',
      'credentials.auth~basic.username': '',
      'credentials.auth~basic.password': '',
      'schedules.incident.mode': 'cron',
      'schedules.incident.cron': '*/15 * * * *',
      'schedules.change_request.mode': 'off',
      'schedules.sc_task.mode': 'every',
      'schedules.sc_task.everySeconds': '600',
    });
    expect(save.status, save.body).toBe(303);
    const after = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', acmeIntegration).executeTakeFirstOrThrow();
    expect(after.credentials_ciphertext).toBe(before.credentials_ciphertext);
    expect(after).toMatchObject({ name: 'SN renamed', config: { instanceUrl: 'http://127.0.0.1:9', pageSize: 50, displayValue: false } });
    expect(after.schedules).toEqual({ incident: { cron: '*/15 * * * *' }, change_request: { enabled: false }, sc_task: { everySeconds: 600 } });

    const bad = await client.post(`/admin/integrations/${acmeIntegration}`, {
      name: 'SN renamed',
      environment: 'staging',
      'config.instanceUrl': 'http://127.0.0.1:9',
      'schedules.incident.mode': 'cron',
      'schedules.incident.cron': '61 * * * *',
      'credentials.auth.type': 'basic',
      'credentials.auth~basic.username': 'only-a-user',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/id="f-schedules-incident-cron-error">.*expected a cron expression such as/);
    expect(bad.body).toMatch(/Auth › Password<\/strong>: /);
    const audit = await test.hub.db.selectFrom('audit_log').select(['actor_type', 'action']).where('target_id', '=', acmeIntegration).where('action', '=', 'integration.updated').execute();
    expect(audit).toEqual([{ actor_type: 'user', action: 'integration.updated' }]);
  });

  it('keeps the expiry date shown in the edit form for new credentials saved with it', async () => {
    const id = await createServiceNowViaApi(test, acme, 'SN expiry kept', fake.url);
    await test.hub.db.updateTable('integration_configs').set({ credentials_expires_at: new Date('2031-01-31T00:00:00.000Z') }).where('id', '=', id).execute();
    const client = await fx.signIn(admin);
    const action = `/admin/integrations/${id}`;
    const page = await client.get(action);
    expect(formRecord(page.body, action)['credentialsExpiresOn']).toBe('2031-01-31');
    const saved = await client.post(action, formRecord(page.body, action, {
      'credentials.auth.type': 'basic', 'credentials.auth~basic.username': 'svc', 'credentials.auth~basic.password': 'next-password-long-3333',
    }));
    expect(saved.status, saved.body).toBe(303);
    const row = await test.hub.db.selectFrom('integration_configs').select(['credentials_hint', 'credentials_expires_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ credentials_hint: '••••', credentials_expires_at: new Date('2031-01-31T00:00:00.000Z') });
  });

  it('keeps the stored webhook secret when the rotation wizard leaves it blank, and says so without showing it', async () => {
    const webhookSecret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const created = await test.request('post', '/api/integrations', {
      token: acme.tokens.admin,
      body: {
        connector: 'servicenow', name: 'SN with webhooks', environment: 'staging', config: { instanceUrl: fake.url },
        credentials: { auth: { type: 'basic', username: 'svc', password: 'old-password-long-1111' }, webhookSecret },
        schedules: SERVICENOW_SCHEDULES_OFF,
      },
    });
    expect(created.status).toBe(201);
    const id = (await created.json()).id as string;
    const client = await signIn(admin);
    const page = await client.get(`/admin/integrations/${id}/credentials`);
    expect(page.body).toContain('Left blank, Webhook secret keeps its stored value.');
    expect(page.body).not.toContain(webhookSecret);

    const action = `/admin/integrations/${id}/credentials/rotate`;
    const rotated = await client.post(action, formRecord(page.body, action, {
      'credentials.auth~basic.username': 'svc',
      'credentials.auth~basic.password': 'next-password-long-2222',
      reason: 'quarterly password rotation',
    }));
    expect(rotated.location).toBe(`/admin/integrations/${id}/credentials?notice=rotation_applied`);
    // Dropping it would make every inbound ServiceNow webhook fail with signature_invalid.
    const row = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(openCredentials(test.hub, row)).toEqual({ auth: { type: 'basic', username: 'svc', password: 'next-password-long-2222' }, webhookSecret });
  });

  it('waits for a second admin when the tenant requires approval, and deletes only with confirmation', async () => {
    const id = await makeIntegration(acme, 'SN approvals', fake.url);
    await updateTenantSettings(test.hub, acme.id, { requireRotationApproval: true });
    const second = await createTestUser(test.hub.db, acme.id, 'admin');
    const requester = await signIn(admin);
    await requester.get(`/admin/integrations/${id}/credentials`);
    expect(requester.lastBody).toContain('requires a second admin to approve');
    const requested = await requester.post(`/admin/integrations/${id}/credentials/rotate`, {
      'credentials.auth.type': 'basic',
      'credentials.auth~basic.username': 'svc',
      'credentials.auth~basic.password': 'next-password-long-2222',
      reason: 'quarterly',
      expiresOn: '2031-01-31',
    });
    expect(requested.location).toBe(`/admin/integrations/${id}/credentials?notice=rotation_pending`);
    const waiting = await requester.get(requested.location ?? '');
    expect(waiting.body).toContain('Waiting for approval');
    expect(waiting.body).toContain('Another admin has to approve your own request.');
    expect(waiting.body).not.toContain('next-password-long-2222');
    const rotationId = /rotations\/([0-9a-f-]{36})\/reject/.exec(waiting.body)?.[1] ?? '';
    // The requester cannot approve their own rotation, even by hand.
    expect((await requester.post(`/admin/integrations/${id}/credentials/rotations/${rotationId}/approve`)).status).toBe(403);

    const approver = await signIn(second);
    await approver.get(`/admin/integrations/${id}/credentials`);
    expect(approver.lastBody).toContain('Approve and apply');
    const approved = await approver.post(`/admin/integrations/${id}/credentials/rotations/${rotationId}/approve`);
    expect(approved.location).toBe(`/admin/integrations/${id}/credentials?notice=rotation_applied`);
    const history = await approver.get(approved.location ?? '');
    expect(history.body).toContain('Rotation approved and applied');
    expect(history.body).toContain('Expires in');
    const row = await test.hub.db.selectFrom('integration_configs').select(['credentials_hint', 'credentials_expires_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ credentials_hint: '••••', credentials_expires_at: new Date('2031-01-31T00:00:00.000Z') });
    await updateTenantSettings(test.hub, acme.id, { requireRotationApproval: false });

    await approver.get(`/admin/integrations/${id}`);
    const unconfirmed = await approver.post(`/admin/integrations/${id}/delete`);
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body).toContain('Tick the confirmation box');
    const deleted = await approver.post(`/admin/integrations/${id}/delete`, { confirm: 'yes' });
    expect(deleted.location).toBe('/admin/integrations?notice=deleted');
    expect((await approver.get(`/admin/integrations/${id}`)).status).toBe(404);
  });

  it('refuses new credentials in the edit form while rotations need approval, pointing to the rotation page', async () => {
    const id = await makeIntegration(acme, 'SN edit under approval', fake.url);
    const form = (password: string) => ({
      name: 'SN edit under approval',
      environment: 'staging',
      enabled: 'true',
      'config.instanceUrl': fake.url,
      'credentials.auth.type': 'basic',
      'credentials.auth~basic.username': 'svc',
      'credentials.auth~basic.password': password,
      'schedules.incident.mode': 'off',
      'schedules.change_request.mode': 'off',
      'schedules.sc_task.mode': 'off',
    });
    const before = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    await updateTenantSettings(test.hub, acme.id, { requireRotationApproval: true });
    try {
      const client = await signIn(admin);
      await client.get(`/admin/integrations/${id}`);
      const refused = await client.post(`/admin/integrations/${id}`, { ...form('next-password-long-2222'), name: 'SN renamed under approval' });
      expect(refused.status).toBe(409);
      expect(refused.body).toContain('requires a second admin to approve new credentials');
      expect(refused.body).toContain(`/admin/integrations/${id}/credentials`);
      expect(refused.body).not.toContain('next-password-long-2222');
      const after = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(after).toEqual(before);
      expect(await test.hub.db.selectFrom('credential_rotations').select('id').where('integration_id', '=', id).execute()).toEqual([]);
      // Leaving the credentials blank still saves the other fields.
      const saved = await client.post(`/admin/integrations/${id}`, { ...form(''), 'credentials.auth~basic.username': '' });
      expect(saved.status, saved.body).toBe(303);
    } finally {
      await updateTenantSettings(test.hub, acme.id, { requireRotationApproval: false });
    }
  });

  it('lets an admin create, edit and delete a route, with field errors beside the inputs', async () => {
    const client = await signIn(admin);
    const list = await client.get('/admin/routes');
    expect(list.status).toBe(200);
    expect(list.body).toContain('New route');
    expect(list.body).toMatch(/<a href="\/admin\/routes" aria-current="page">Routes<\/a>/);
    expect(list.body).toContain('<code>create_incident</code>');
    const routeCount = async () => (await test.hub.db.selectFrom('routes').select('id').where('tenant_id', '=', acme.id).execute()).length;
    const form = {
      name: 'P1 failures',
      // Any source: a route's target cannot be its own source (its changes would loop back).
      sourceIntegrationId: '',
      connector: 'servicenow',
      eventType: 'failure.*',
      fields: '{"priority":"1"}',
      targetIntegrationId: acmeIntegration,
      action: 'create_incident',
      inputTemplate: '{"short_description":"{{event.type}} on {{integration.name}}"}',
      enabled: 'true',
    };

    const badAction = await client.post('/admin/routes', { ...form, action: 'launch_rocket' });
    expect(badAction.status).toBe(400);
    expect(badAction.body).toMatch(/<p class="field-error" id="f-action-error">.*expected one of: create_incident, add_work_note/);
    expect(badAction.body).toContain('value="launch_rocket"');
    expect(await routeCount()).toBe(0);

    const badJson = await client.post('/admin/routes', { ...form, fields: '{"priority":', inputTemplate: '["not", "an object"]' });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatch(/id="f-filter-fields-error">.*not valid JSON/);
    expect(badJson.body).toMatch(/id="f-inputTemplate-error">.*enter a JSON object/);
    expect(await routeCount()).toBe(0);

    const created = await client.post('/admin/routes', form);
    expect(created.status, created.body).toBe(303);
    expect(created.location).toBe('/admin/routes?notice=route_created');
    const row = await test.hub.db.selectFrom('routes').selectAll().where('tenant_id', '=', acme.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      name: 'P1 failures',
      filter: { connector: 'servicenow', eventType: 'failure.*', fields: { priority: '1' } },
      target_integration_id: acmeIntegration,
      action: 'create_incident',
      input_template: { short_description: '{{event.type}} on {{integration.name}}' },
      enabled: true,
    });
    const listed = await client.get(created.location ?? '');
    expect(listed.body).toContain('Route created.');
    expect(listed.body).toContain('<th scope="row">P1 failures</th>');
    expect(listed.body).toContain('type <code>failure.*</code>');

    const edit = await client.get(`/admin/routes/${row.id}/edit`);
    expect(edit.status).toBe(200);
    expect(edit.body).toContain('value="P1 failures"');
    const invalidEdit = await client.post(`/admin/routes/${row.id}`, { ...form, targetIntegrationId: otherIntegration });
    expect(invalidEdit.status).toBe(400);
    expect(invalidEdit.body).toMatch(/id="f-targetIntegrationId-error">.*no such integration in this tenant/);
    const saved = await client.post(`/admin/routes/${row.id}`, {
      ...form, name: 'P1 failures (paused)', action: 'add_work_note', fields: '', enabled: 'false',
      inputTemplate: '{"sys_id":"{{event.payload.sys_id}}","note":"{{event.type}} on {{integration.name}}"}',
    });
    expect(saved.location).toBe('/admin/routes?notice=route_saved');
    const updated = await test.hub.db.selectFrom('routes').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(updated).toMatchObject({ name: 'P1 failures (paused)', action: 'add_work_note', enabled: false, filter: { connector: 'servicenow', eventType: 'failure.*' } });
    expect((updated.filter as { fields?: unknown }).fields).toBeUndefined();

    await client.get('/admin/routes');
    const editPage = (await client.get(`/admin/routes/${row.id}/edit`)).body;
    expect(editPage).toContain('Delete route');
    const unconfirmed = await client.post(`/admin/routes/${row.id}/delete`);
    expect(unconfirmed.status).toBe(400);
    expect(await test.hub.db.selectFrom('routes').select('id').where('id', '=', row.id).executeTakeFirst()).toBeDefined();
    const deleted = await client.post(`/admin/routes/${row.id}/delete`, { confirm: 'yes' });
    expect(deleted.location).toBe('/admin/routes?notice=route_deleted');
    expect(await routeCount()).toBe(0);
    const audit = await test.hub.db.selectFrom('audit_log').select(['action', 'actor_type']).where('target_id', '=', row.id).orderBy('created_at').execute();
    expect(audit.map((entry) => entry.action)).toEqual(['route.created', 'route.updated', 'route.deleted']);
    expect(new Set(audit.map((entry) => entry.actor_type))).toEqual(new Set(['user']));
  });

  it('shows operators the routes but no form, and refuses their forged route changes', async () => {
    const response = await test.request('post', '/api/routes', {
      token: acme.tokens.admin,
      body: { name: 'Existing route', filter: { eventType: 'incident.*' }, targetIntegrationId: acmeIntegration, action: 'add_work_note', inputTemplate: { sys_id: '{{event.externalId}}', note: 'seen' } },
    });
    expect(response.status).toBe(201);
    const route = (await response.json()).id as string;
    const client = await signIn(operator);
    const list = await client.get('/admin/routes');
    expect(list.status).toBe(200);
    expect(list.body).toContain('Existing route');
    expect(list.body).not.toContain('New route');
    expect(list.body).not.toContain(`/admin/routes/${route}/edit`);
    expect(list.body).not.toContain('>Settings</a>');
    const forged = await client.post('/admin/routes', { name: 'forged', targetIntegrationId: acmeIntegration, action: 'add_work_note', enabled: 'true' });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('Only users with the admin role');
    expect((await client.post(`/admin/routes/${route}`, { name: 'renamed', targetIntegrationId: acmeIntegration, action: 'add_work_note' })).status).toBe(403);
    expect((await client.post(`/admin/routes/${route}/delete`)).status).toBe(403);
    expect((await client.get(`/admin/routes/${route}/edit`)).status).toBe(403);
    const row = await test.hub.db.selectFrom('routes').select('name').where('id', '=', route).executeTakeFirstOrThrow();
    expect(row.name).toBe('Existing route');
    await test.hub.db.deleteFrom('routes').where('id', '=', route).execute();
  });

  it('lets an admin change the tenant settings, audited, and refuses viewers', async () => {
    const client = await signIn(admin);
    const page = await client.get('/admin/settings');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Require a second admin to approve credential rotations');
    expect(page.body).toMatch(/<a href="\/admin\/settings" aria-current="page">Settings<\/a>/);
    const on = await client.post('/admin/settings', { requireRotationApproval: 'true' });
    expect(on.location).toBe('/admin/settings?notice=settings_saved');
    expect(await tenantSettings(test.hub, acme.id)).toEqual({ requireRotationApproval: true });
    expect((await client.get(on.location ?? '')).body).toMatch(/id="f-requireRotationApproval" name="requireRotationApproval" value="true" checked/);
    // Switching it off waits for another admin (admin.settings-approval.http.integration.test.ts).
    const off = await client.post('/admin/settings', { requireRotationApproval: 'false' });
    expect(off.location).toBe('/admin/settings?notice=settings_change_pending');
    expect(await tenantSettings(test.hub, acme.id)).toEqual({ requireRotationApproval: true });
    const audit = await test.hub.db.selectFrom('audit_log').select(['actor_type', 'action', 'detail']).where('action', 'like', 'tenant.settings_%').where('tenant_id', '=', acme.id).orderBy('created_at').execute();
    expect(audit).toEqual([
      { actor_type: 'user', action: 'tenant.settings_changed', detail: { requireRotationApproval: true } },
      { actor_type: 'user', action: 'tenant.settings_change_requested', detail: { setting: 'requireRotationApproval', value: false } },
    ]);
    await test.hub.db.updateTable('tenant_setting_changes').set({ status: 'cancelled' }).where('tenant_id', '=', acme.id).execute();
    await updateTenantSettings(test.hub, acme.id, { requireRotationApproval: false });

    const viewer = await signIn(await createTestUser(test.hub.db, acme.id, 'viewer'));
    const health = await viewer.get('/admin/health');
    expect(health.body).not.toContain('>Settings</a>');
    expect((await viewer.get('/admin/settings')).status).toBe(403);
    expect((await viewer.post('/admin/settings', { requireRotationApproval: 'true' })).status).toBe(403);
    expect(await tenantSettings(test.hub, acme.id)).toEqual({ requireRotationApproval: false });
  });
});
