import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../core/auth/api-token.service.ts';
import { startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { createTestUser, type TestUser } from '../test-support/browser/admin-server.ts';
import type { CookieClient } from '../test-support/browser/cookie-client.ts';

// Text from upstream systems (titles, errors, payloads), from other users (names, notes, route
// names) and from the address bar must render as text on every page, in element content and in
// attribute values alike; the CSP is only a second line of defence.

const ATTR = '"><img src=x onerror=alert(1)>';
const SCRIPT = '</script><script>alert(1)</script>';
const XSS = `${ATTR}${SCRIPT}`;

let fx: AdminHttpFixture;
let hostileAdmin: TestUser;
const ids = { task: '', run: '', event: '', route: '', token: '' };

function expectInert(body: string): void {
  expect(body).not.toContain('<img src=x');
  expect(body).not.toContain('<script>alert(1)');
  expect(body).not.toMatch(/href="\s*javascript:/i);
}

beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_escaping');
  const { test, acme, acmeIntegration } = fx;
  hostileAdmin = await createTestUser(test.hub.db, acme.id, 'admin', { name: `Mallory ${XSS}` });
  const db = test.hub.db;
  const run = await db
    .insertInto('integration_runs')
    .values({
      tenant_id: acme.id, integration_id: acmeIntegration, kind: 'poll', stream: `incident${XSS}`, trigger: `manual${XSS}`, mode: 'full',
      idempotency_key: `key${XSS}`, status: 'failed', error_code: 'auth_invalid', error_message: `401 from upstream ${XSS}`,
      requested_by: `someone${XSS}`, result: JSON.stringify({ note: XSS }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.run = run.id;
  const event = await db
    .insertInto('integration_events')
    .values({
      tenant_id: acme.id, integration_id: acmeIntegration, run_id: run.id, source: 'poll', stream: 'incident', type: `incident.updated${XSS}`,
      external_id: `INC${XSS}`, payload: JSON.stringify({ short_description: XSS, [XSS]: 1 }), payload_hash: 'h'.repeat(64),
      dedupe_key: `dedupe${XSS}`, status: 'failed', error: `route failed ${XSS}`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.event = event.id;
  const task = await db
    .insertInto('tasks')
    .values({
      tenant_id: acme.id, number: 901, integration_id: acmeIntegration, code: 'auth_invalid', runbook: 'auth_invalid',
      title: `Auth failing ${XSS}`, severity: 'high', status: 'open', last_error: `upstream said ${XSS}`, updated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.task = task.id;
  await db.insertInto('task_history').values({ tenant_id: acme.id, task_id: task.id, action: 'acknowledged', actor: `Mallory ${XSS}`, note: `note ${XSS}` }).execute();
  const route = await db
    .insertInto('routes')
    .values({
      tenant_id: acme.id, name: `Route ${XSS}`, filter: JSON.stringify({ connector: `servicenow${XSS}`, eventType: `incident${XSS}`, fields: { [XSS]: XSS } }), source_integration_id: acmeIntegration,
      target_integration_id: acmeIntegration, action: `create${XSS}`, input_template: JSON.stringify({ text: `{{title}} ${XSS}` }), updated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.route = route.id;
  const token = await createApiToken(test.hub.db, { tenantId: acme.id, role: 'viewer', name: `Token ${XSS}`, createdBy: `user:${XSS}` });
  ids.token = token.row.id;
});
afterAll(async () => {
  await fx?.close();
});

describe('admin UI escaping of stored and echoed text', () => {
  let client: CookieClient;
  beforeAll(async () => {
    client = await fx.signIn(hostileAdmin);
  });

  it.each([
    ['health', () => '/admin/health'],
    ['integration list', () => '/admin/integrations'],
    ['integration detail', () => `/admin/integrations/${fx.acmeIntegration}`],
    ['new integration', () => '/admin/integrations/new?connector=servicenow'],
    ['credentials', () => `/admin/integrations/${fx.acmeIntegration}/credentials`],
    ['runs', () => '/admin/runs'],
    ['run detail', () => `/admin/runs/${ids.run}`],
    ['events', () => '/admin/events'],
    ['event detail', () => `/admin/events/${ids.event}`],
    ['tasks', () => '/admin/tasks?status=all'],
    ['task detail', () => `/admin/tasks/${ids.task}`],
    ['routes', () => '/admin/routes'],
    ['route edit', () => `/admin/routes/${ids.route}/edit`],
    ['catalog', () => '/admin/catalog'],
    ['runbooks', () => '/admin/runbooks'],
    ['settings', () => '/admin/settings'],
    ['API tokens', () => '/admin/tokens'],
    ['token revoke', () => `/admin/tokens/${ids.token}/revoke`],
    ['audit log', () => '/admin/audit'],
  ])('%s shows hostile stored text as text', async (_name, path) => {
    const page = await client.get(path());
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expectInert(page.body);
  });

  it('shows the hostile values escaped, not dropped', async () => {
    const task = await client.get(`/admin/tasks/${ids.task}`);
    expect(task.body).toContain('Auth failing &quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(task.body).toContain('Mallory &quot;&gt;&lt;img');
    const event = await client.get(`/admin/events/${ids.event}`);
    expect(event.body).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it.each([
    '/admin/runs?errorCode=',
    '/admin/runs?integrationId=',
    '/admin/runs?status=',
    '/admin/events?type=',
    '/admin/events?runId=',
    '/admin/tasks?integrationId=',
    '/admin/tasks?status=',
    '/admin/integrations?connector=',
    '/admin/integrations/new?connector=',
    '/admin/health?notice=',
    '/admin/audit?action=',
    `/admin/runbooks/${encodeURIComponent(XSS)}?x=`,
    `/admin/tasks/${encodeURIComponent(XSS)}?x=`,
    `/admin/no-such-page${encodeURIComponent(XSS)}?x=`,
  ])('echoes %s… back as text', async (prefix) => {
    const page = await client.get(`${prefix}${encodeURIComponent(XSS)}`);
    expectInert(page.body);
  });

  it('re-renders a rejected route form with the typed values as text', async () => {
    await client.get('/admin/routes');
    const page = await client.post('/admin/routes', { name: `R ${XSS}`, action: XSS, filterType: XSS, filterFields: `{"a": "${XSS.replace(/"/g, '\\"')}"`, inputTemplate: XSS });
    expect(page.status).toBeLessThan(500);
    expectInert(page.body);
  });

  it('re-renders a rejected token form with the typed values as text', async () => {
    await client.get('/admin/tokens');
    const page = await client.post('/admin/tokens', { name: `T ${XSS}`, role: XSS, expiresOn: XSS });
    expect(page.status).toBe(400);
    expectInert(page.body);
  });

  it('re-renders a rejected integration edit with the typed values as text', async () => {
    await client.get(`/admin/integrations/${fx.acmeIntegration}`);
    const page = await client.post(`/admin/integrations/${fx.acmeIntegration}`, { name: `N ${XSS}`, environment: XSS, 'config.instanceUrl': XSS });
    expect(page.status).toBe(400);
    expect(page.body).toContain('&lt;img src=x');
    expectInert(page.body);
  });

  it('re-renders a rejected integration form with the typed values as text', async () => {
    await client.get('/admin/integrations/new?connector=servicenow');
    const page = await client.post('/admin/integrations?connector=servicenow', { name: `N ${XSS}`, environment: XSS, 'config.instanceUrl': XSS });
    expect(page.status).toBeLessThan(500);
    expectInert(page.body);
  });
});

describe('sign-in page escaping', () => {
  it('echoes next, workspace and a typed email as text', async () => {
    const { CookieClient } = await import('../test-support/browser/cookie-client.ts');
    const anonymous = new CookieClient(fx.test.app);
    const form = await anonymous.get(`/admin/login?workspace=${encodeURIComponent(XSS)}&next=${encodeURIComponent(`/admin/x${XSS}`)}&notice=${encodeURIComponent(XSS)}`);
    expectInert(form.body);
    const failed = await anonymous.post('/admin/login', { email: `a${XSS}@example.com`, password: 'wrong', workspace: XSS, next: `javascript:alert(1)${XSS}` });
    expectInert(failed.body);
    expect(failed.location ?? '').not.toMatch(/^javascript:/i);
  });
});
