import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from './db/admin-db.ts';
import { disableUserAndSessions } from './users/user-sessions.ts';
import { createTestUser, type TestUser } from '../test-support/browser/admin-server.ts';
import { CookieClient } from '../test-support/browser/cookie-client.ts';
import { startFakeServiceNow, type FakeServiceNow } from '../test-support/fake-servicenow/index.ts';
import { startTestHub, type TestHub, type TestTenant } from '../test-support/test-hub.ts';
import { tenantSettings, updateTenantSettings } from '../core/tenancy/tenant-settings.ts';

// The admin UI through the real Hono app, in process: sessions, cookies, CSRF, roles and tenancy
// at the HTTP level, and the JSON API left as it was. The browser test covers the same flows as
// a person sees them; this one covers the edges a browser does not easily reach.

let test: TestHub;
let acme: TestTenant;
let other: TestTenant;
let admin: TestUser;
let operator: TestUser;
let acmeIntegration = '';
let otherIntegration = '';
let fake: FakeServiceNow;

async function signIn(user: TestUser, workspace = 'acme', headers: Record<string, string> = {}): Promise<CookieClient> {
  const client = new CookieClient(test.app, { headers });
  await client.get(`/admin/login?workspace=${workspace}`);
  const response = await client.post('/admin/login', { email: user.email, password: user.password, workspace });
  expect(response.status, response.body).toBe(303);
  return client;
}

async function makeIntegration(tenant: TestTenant, name: string, instanceUrl = 'http://127.0.0.1:9'): Promise<string> {
  const response = await test.request('post', '/api/integrations', {
    token: tenant.tokens.admin,
    body: {
      connector: 'servicenow',
      name,
      environment: 'staging',
      config: { instanceUrl },
      credentials: { auth: { type: 'basic', username: 'svc', password: 'super-secret-password' } },
      schedules: { incident: { enabled: false }, change_request: { enabled: false }, sc_task: { enabled: false } },
    },
  });
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

beforeAll(async () => {
  test = await startTestHub({ label: 'admin_http', database: 'postgres', queue: 'memory' });
  fake = await startFakeServiceNow({ auth: { basic: { user: 'svc', pass: 'next-password-long-2222' } } });
  acme = await test.createTenant('acme');
  other = await test.createTenant('other');
  admin = await createTestUser(test.hub.db, acme.id, 'admin');
  operator = await createTestUser(test.hub.db, acme.id, 'operator');
  acmeIntegration = await makeIntegration(acme, 'SN <script>alert(1)</script>');
  otherIntegration = await makeIntegration(other, 'Other tenant SN');
});
afterAll(async () => {
  await test?.close();
  await fake?.close();
});

describe('admin UI over HTTP', () => {
  it('sends anonymous visitors to sign in, remembering the page', async () => {
    const client = new CookieClient(test.app);
    const response = await client.get('/admin/runs?status=failed');
    expect(response.status).toBe(303);
    expect(response.location).toBe('/admin/login?next=%2Fadmin%2Fruns%3Fstatus%3Dfailed');
    expect((await client.get('/admin')).location).toMatch(/^\/admin\/login/);
  });

  it('sends paths with a trailing slash to the same page without it', async () => {
    const client = new CookieClient(test.app);
    const root = await client.get('/admin/');
    expect(root.status).toBe(308);
    expect(root.location).toBe('/admin');
    expect((await client.get('/admin/tasks/?state=open')).location).toBe('/admin/tasks?state=open');
  });

  it('serves pages with a strict content security policy and the stylesheet with long caching', async () => {
    const client = new CookieClient(test.app);
    const login = await client.get('/admin/login');
    expect(login.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(login.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.body).not.toContain('<script');
    const href = /href="(\/admin\/assets\/app\.css\?v=[0-9a-f]+)"/.exec(login.body)?.[1] ?? '';
    const css = await client.get(href);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(css.headers.get('cache-control')).toContain('immutable');
  });

  it('sets httpOnly SameSite cookies, Secure with the __Host- prefix only over https', async () => {
    const client = new CookieClient(test.app);
    const login = await client.get('/admin/login?workspace=acme');
    expect(login.headers.getSetCookie().join()).toMatch(/^hub_login_csrf=[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    const signedIn = await client.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme' });
    const cookie = signedIn.headers.getSetCookie().find((line) => line.startsWith('hub_session=')) ?? '';
    expect(cookie).toMatch(/^hub_session=[\w-]{43}; Max-Age=43[12]\d\d; Path=\/; HttpOnly; SameSite=Lax$/);
    // Only a hash of the cookie value is stored.
    const token = client.cookies.get('hub_session') ?? '';
    const rows = await adminDb(test.hub.db).selectFrom('admin_sessions').select('id_hash').execute();
    expect(rows.some((row) => row.id_hash === token)).toBe(false);

    const https = new CookieClient(test.app, { headers: { 'x-forwarded-proto': 'https' } });
    const form = await https.get('/admin/login?workspace=acme');
    expect(form.headers.getSetCookie().join()).toMatch(/^__Host-hub_login_csrf=[\w-]{43}; .*Secure/);
    const secure = await https.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme' });
    expect(secure.headers.getSetCookie().find((line) => line.startsWith('__Host-hub_session='))).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect((await https.get('/admin/health')).status).toBe(200);

  });

  it('signs in with any capitalisation of the email, and never redirects off-site after it', async () => {
    for (const next of ['https://evil.example/x', '//evil.example', '/\\evil.example', '/api/tokens']) {
      const client = new CookieClient(test.app);
      await client.get('/admin/login?workspace=acme');
      const response = await client.post('/admin/login', { email: admin.email.toUpperCase(), password: admin.password, workspace: 'acme', next });
      expect(response.location, next).toBe('/admin/health');
    }
    const client = new CookieClient(test.app);
    await client.get('/admin/login');
    const response = await client.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme', next: '/admin/tasks?status=open' });
    expect(response.location).toBe('/admin/tasks?status=open');
  });

  it('refuses a sign-in POST without the sign-in cookie (login CSRF)', async () => {
    const client = new CookieClient(test.app);
    const response = await client.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme' }, { csrf: 'made-up' });
    expect(response.status).toBe(403);
    expect(response.body).toContain('This form could not be accepted');
    expect(client.cookies.has('hub_session')).toBe(false);
  });

  it('answers the same for unknown workspaces, unknown emails and wrong passwords', async () => {
    const answers = [];
    for (const [workspace, email, password] of [
      ['nowhere', admin.email, admin.password],
      ['acme', 'nobody@example.com', 'whatever-password'],
      ['acme', admin.email, 'wrong-password!'],
      ['other', admin.email, admin.password],
    ] as const) {
      const client = new CookieClient(test.app);
      await client.get('/admin/login');
      const response = await client.post('/admin/login', { email, password, workspace });
      answers.push([response.status, /<p>(The email or password is incorrect[^<]*)<\/p>/.exec(response.body)?.[1]]);
    }
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]?.[0]).toBe(401);
  });

  it('ends the session on sign-out, after two idle hours, and when the user is disabled', async () => {
    const client = await signIn(operator);
    expect((await client.get('/admin/health')).status).toBe(200);
    await client.post('/admin/logout');
    expect((await client.get('/admin/health')).status).toBe(303);

    const idle = await signIn(operator);
    await adminDb(test.hub.db).updateTable('admin_sessions').set({ last_seen_at: new Date(Date.now() - 3 * 3_600_000) }).execute();
    expect((await idle.get('/admin/health')).status).toBe(303);

    const user = await createTestUser(test.hub.db, acme.id, 'viewer');
    const disabled = await signIn(user);
    expect((await disabled.get('/admin/health')).status).toBe(200);
    await disableUserAndSessions(test.hub.db, acme.id, user.email, new Date());
    expect((await disabled.get('/admin/health')).status).toBe(303);
    const again = new CookieClient(test.app);
    await again.get('/admin/login');
    expect((await again.post('/admin/login', { email: user.email, password: user.password, workspace: 'acme' })).status).toBe(401);
  });

  it("answers 404 for another tenant's integration, run, task and event", async () => {
    const client = await signIn(admin);
    const run = await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: other.id, integration_id: otherIntegration, kind: 'poll', stream: 'incident', trigger: 'manual', idempotency_key: 'foreign-run', status: 'failed' })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const path of [`/admin/integrations/${otherIntegration}`, `/admin/integrations/${otherIntegration}/credentials`, `/admin/runs/${run.id}`, '/admin/integrations/not-a-uuid']) {
      const response = await client.get(path);
      expect(response.status, path).toBe(404);
      expect(response.body).toContain('Page not found');
    }
    const paused = await client.post(`/admin/integrations/${otherIntegration}/pause`);
    expect(paused.status).toBe(404);
    const runs = await client.get('/admin/runs');
    expect(runs.body).not.toContain(run.id);
  });

  it('escapes names from the database and never shows a stored secret', async () => {
    const client = await signIn(admin);
    const page = await client.get(`/admin/integrations/${acmeIntegration}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('SN &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).not.toContain('super-secret-password');
    expect(page.body).toContain('••••word');
  });

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
    const event = await test.hub.db
      .insertInto('integration_events')
      .values({ tenant_id: acme.id, integration_id: acmeIntegration, source: 'webhook', type: 'incident.update', payload: '{}', payload_hash: 'h', dedupe_key: 'replay-me', status: 'processed' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const client = await signIn(operator);
    expect((await client.get(`/admin/events/${event.id}`)).body).toContain('Replay event');
    const replay = await client.post(`/admin/events/${event.id}/replay`);
    expect(replay.status).toBe(303);
    expect((await client.get(`/admin/events/${event.id}?notice=replayed`)).body).toContain('Event queued for routing again');
    const row = await test.hub.db.selectFrom('integration_events').select('status').where('id', '=', event.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    const audited = await test.hub.db.selectFrom('audit_log').select('actor_type').where('action', '=', 'event.replayed').where('target_id', '=', event.id).executeTakeFirstOrThrow();
    expect(audited.actor_type).toBe('user');

    const viewer = await signIn(await createTestUser(test.hub.db, acme.id, 'viewer'));
    expect((await viewer.get(`/admin/events/${event.id}`)).body).not.toContain('Replay event');
    expect((await viewer.post(`/admin/events/${event.id}/replay`)).status).toBe(403);
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
    expect(bad.body).toContain('not a valid cron expression');
    expect(bad.body).toMatch(/Auth › Password<\/strong>: /);
    const audit = await test.hub.db.selectFrom('audit_log').select(['actor_type', 'action']).where('target_id', '=', acmeIntegration).where('action', '=', 'integration.updated').execute();
    expect(audit).toEqual([{ actor_type: 'user', action: 'integration.updated' }]);
  });

  it('leaves the JSON API, its errors and its 404s as they were', async () => {
    const missing = await test.request('get', '/api/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /api/nope' } });
    expect((await test.request('get', '/api/integrations')).status).toBe(401);
    const listed = await test.request('get', '/api/integrations', { token: acme.tokens.viewer });
    expect(listed.status).toBe(200);
    const client = new CookieClient(test.app);
    const page = await client.get('/admin/definitely-missing');
    expect(page.status).toBe(303);
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
    expect(row).toEqual({ credentials_hint: '••••2222', credentials_expires_at: new Date('2031-01-31T00:00:00.000Z') });
    await updateTenantSettings(test.hub, acme.id, { requireRotationApproval: false });

    await approver.get(`/admin/integrations/${id}`);
    const unconfirmed = await approver.post(`/admin/integrations/${id}/delete`);
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body).toContain('Tick the confirmation box');
    const deleted = await approver.post(`/admin/integrations/${id}/delete`, { confirm: 'yes' });
    expect(deleted.location).toBe('/admin/integrations?notice=deleted');
    expect((await approver.get(`/admin/integrations/${id}`)).status).toBe(404);
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
      sourceIntegrationId: acmeIntegration,
      connector: 'servicenow',
      eventType: 'failure.*',
      fields: '{"priority":"1"}',
      targetIntegrationId: acmeIntegration,
      action: 'create_incident',
      inputTemplate: '{"title":"{{event.type}} on {{integration.name}}"}',
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
      filter: { sourceIntegrationId: acmeIntegration, connector: 'servicenow', eventType: 'failure.*', fields: { priority: '1' } },
      target_integration_id: acmeIntegration,
      action: 'create_incident',
      input_template: { title: '{{event.type}} on {{integration.name}}' },
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
    const saved = await client.post(`/admin/routes/${row.id}`, { ...form, name: 'P1 failures (paused)', action: 'add_work_note', fields: '', enabled: 'false' });
    expect(saved.location).toBe('/admin/routes?notice=route_saved');
    const updated = await test.hub.db.selectFrom('routes').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(updated).toMatchObject({ name: 'P1 failures (paused)', action: 'add_work_note', enabled: false, filter: { sourceIntegrationId: acmeIntegration, connector: 'servicenow', eventType: 'failure.*' } });
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
      body: { name: 'Existing route', filter: { eventType: 'incident.*' }, targetIntegrationId: acmeIntegration, action: 'add_work_note' },
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
    await client.post('/admin/settings', { requireRotationApproval: 'false' });
    expect(await tenantSettings(test.hub, acme.id)).toEqual({ requireRotationApproval: false });
    const audit = await test.hub.db.selectFrom('audit_log').select(['actor_type', 'detail']).where('action', '=', 'tenant.settings_changed').where('target_id', '=', acme.id).orderBy('created_at').execute();
    expect(audit).toEqual([
      { actor_type: 'user', detail: { requireRotationApproval: true } },
      { actor_type: 'user', detail: { requireRotationApproval: false } },
    ]);

    const viewer = await signIn(await createTestUser(test.hub.db, acme.id, 'viewer'));
    const health = await viewer.get('/admin/health');
    expect(health.body).not.toContain('>Settings</a>');
    expect((await viewer.get('/admin/settings')).status).toBe(403);
    expect((await viewer.post('/admin/settings', { requireRotationApproval: 'true' })).status).toBe(403);
    expect(await tenantSettings(test.hub, acme.id)).toEqual({ requireRotationApproval: false });
  });
});
