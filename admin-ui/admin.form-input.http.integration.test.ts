import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextTaskNumber } from '../core/tasks/task.repository.ts';
import { createServiceNowViaApi, startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { CookieClient } from '../test-support/browser/cookie-client.ts';

// What the JSON API refuses in core/http/validate.ts, refused by the admin forms too: a NUL
// character typed or pasted anywhere (PostgreSQL text and jsonb cannot hold it), JSON nested
// deeper than the API takes, and cron schedules the queue would refuse once the row is written.
// Each answer is the form again with the problem beside its field, and nothing written.

const NUL = '\u0000';

let fx: AdminHttpFixture;
let test: AdminHttpFixture['test'];
let acme: AdminHttpFixture['acme'];
let admin: AdminHttpFixture['admin'];
let acmeIntegration = '';

beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_form_input');
  ({ test, acme, admin, acmeIntegration } = fx);
});
afterAll(async () => {
  await fx?.close();
});

/** The integration form as the edit page submits it, with every schedule off. */
function integrationForm(fields: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'SN form input',
    environment: 'staging',
    enabled: 'true',
    'config.instanceUrl': 'http://127.0.0.1:9',
    'credentials.auth.type': 'basic',
    'schedules.incident.mode': 'off',
    'schedules.change_request.mode': 'off',
    'schedules.sc_task.mode': 'off',
    ...fields,
  };
}

const NUL_ERROR = /must not contain the NUL character/;

describe('admin forms refuse input the database cannot store', () => {
  const integrationRow = (id: string) => test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('re-renders the integration edit form with the field marked, and saves nothing', async () => {
    const client = await fx.signIn(admin);
    await client.get(`/admin/integrations/${acmeIntegration}`);
    const before = await integrationRow(acmeIntegration);

    const badName = await client.post(`/admin/integrations/${acmeIntegration}`, integrationForm({ name: `SN${NUL}renamed` }));
    expect(badName.status, badName.body).toBe(400);
    expect(badName.body).toMatch(/id="f-name-error">.*must not contain the NUL character/);

    const badConfig = await client.post(`/admin/integrations/${acmeIntegration}`, integrationForm({ 'config.query': `active=true${NUL}` }));
    expect(badConfig.status, badConfig.body).toBe(400);
    expect(badConfig.body).toMatch(/<a href="#f-config-query"><strong>[^<]*<\/strong>: must not contain the NUL character/);

    const badSecret = await client.post(
      `/admin/integrations/${acmeIntegration}`,
      integrationForm({ 'credentials.auth~basic.username': 'svc', 'credentials.auth~basic.password': `long-enough-password${NUL}` }),
    );
    expect(badSecret.status, badSecret.body).toBe(400);
    expect(badSecret.body).toMatch(NUL_ERROR);
    expect(badSecret.body).not.toContain('long-enough-password');

    expect(await integrationRow(acmeIntegration)).toEqual(before);
  });

  it('re-renders the new integration form and creates nothing', async () => {
    const client = await fx.signIn(admin);
    await client.get('/admin/integrations/new?connector=servicenow');
    const count = async () => (await test.hub.db.selectFrom('integration_configs').select('id').where('tenant_id', '=', acme.id).execute()).length;
    const before = await count();
    const created = await client.post('/admin/integrations?connector=servicenow', integrationForm({ name: `New${NUL}` }));
    expect(created.status, created.body).toBe(400);
    expect(created.body).toMatch(/id="f-name-error">.*must not contain the NUL character/);
    expect(await count()).toBe(before);
  });

  it('refuses a NUL in a rotation reason before checking or recording anything', async () => {
    const id = await createServiceNowViaApi(test, acme, 'SN rotation input', fx.fake.url);
    const client = await fx.signIn(admin);
    await client.get(`/admin/integrations/${id}/credentials`);
    const credentialAudit = () => test.hub.db.selectFrom('integration_credentials_audit').selectAll().where('integration_id', '=', id).execute();
    const before = await integrationRow(id);
    const auditBefore = await credentialAudit();
    const rotate = await client.post(`/admin/integrations/${id}/credentials/rotate`, {
      'credentials.auth.type': 'basic',
      'credentials.auth~basic.username': 'svc',
      'credentials.auth~basic.password': 'next-password-long-2222',
      reason: `quarterly${NUL}`,
    });
    expect(rotate.status, rotate.body).toBe(400);
    expect(rotate.body).toMatch(/<a href="#rotation-reason"><strong>Reason<\/strong>: must not contain the NUL character/);
    expect(await integrationRow(id)).toEqual(before);
    expect(await credentialAudit()).toEqual(auditBefore);
    expect(await test.hub.db.selectFrom('audit_log').select('action').where('target_id', '=', id).where('action', 'like', 'credentials.%').execute()).toEqual([]);
  });

  it('re-renders the route form for a NUL typed, a NUL escaped inside JSON, and JSON nested too deep', async () => {
    const client = await fx.signIn(admin);
    await client.get('/admin/routes');
    const form = { name: 'Input route', targetIntegrationId: acmeIntegration, action: 'create_incident', enabled: 'true' };
    const deep = `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`;

    const badName = await client.post('/admin/routes', { ...form, name: `Input${NUL}route` });
    expect(badName.status, badName.body).toBe(400);
    expect(badName.body).toMatch(/id="f-name-error">.*must not contain the NUL character/);

    const escaped = await client.post('/admin/routes', { ...form, fields: '{"priority":"1\\u0000"}' });
    expect(escaped.status, escaped.body).toBe(400);
    expect(escaped.body).toMatch(/id="f-filter-fields-error">.*must not contain the NUL character/);

    const nested = await client.post('/admin/routes', { ...form, inputTemplate: deep });
    expect(nested.status, nested.body).toBe(400);
    expect(nested.body).toMatch(/id="f-inputTemplate-error">.*nests deeper than 32 levels/);
    // Named by its top-level field (`filter`), as the API names it: in the summary, not beside the textarea.
    const nestedFilter = await client.post('/admin/routes', { ...form, fields: deep });
    expect(nestedFilter.status, nestedFilter.body).toBe(400);
    expect(nestedFilter.body).toMatch(/<strong>filter<\/strong>: nests deeper than 32 levels/);

    expect(await test.hub.db.selectFrom('routes').select('id').where('tenant_id', '=', acme.id).execute()).toHaveLength(0);
  });

  /** An open task of the acme tenant, as a failure opens one. */
  async function openTask(): Promise<{ id: string }> {
    const number = await nextTaskNumber(test.hub.db, acme.id);
    return test.hub.db
      .insertInto('tasks')
      .values({ tenant_id: acme.id, number, integration_id: null, code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', title: 't', severity: 'high', status: 'open' })
      .returning('id')
      .executeTakeFirstOrThrow();
  }

  it('refuses a NUL in a task note and leaves the task open', async () => {
    const task = await openTask();
    const client = await fx.signIn(admin);
    await client.get(`/admin/tasks/${task.id}`);
    const ack = await client.post(`/admin/tasks/${task.id}/ack`, { note: `on it${NUL}` });
    expect(ack.status, ack.body).toBe(400);
    expect(ack.body).toMatch(NUL_ERROR);
    const row = await test.hub.db.selectFrom('tasks').select('status').where('id', '=', task.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('open');
    expect(await test.hub.db.selectFrom('task_history').select('id').where('task_id', '=', task.id).execute()).toHaveLength(0);
  });

  it('takes a task note that fitted its field, though the browser sends its line breaks as CRLF', async () => {
    const task = await openTask();
    const client = await fx.signIn(admin);
    await client.get(`/admin/tasks/${task.id}`);
    // 2,000 characters as the textarea counts them (maxlength="2000"), 2,019 as sent.
    const typed = Array.from({ length: 20 }, () => 'x'.repeat(99)).join('\n') + 'y';
    expect(typed).toHaveLength(2_000);
    const ack = await client.post(`/admin/tasks/${task.id}/ack`, { note: typed.replaceAll('\n', '\r\n') });
    expect(ack.status, ack.body).toBe(303);
    const history = await test.hub.db.selectFrom('task_history').select('note').where('task_id', '=', task.id).executeTakeFirstOrThrow();
    expect(history.note).toBe(typed);
  });

  it('answers a NUL in the sign-in form as a failed sign-in, not an error', async () => {
    const client = new CookieClient(test.app);
    await client.get('/admin/login?workspace=acme');
    const email = await client.post('/admin/login', { email: `${admin.email}${NUL}`, password: admin.password, workspace: 'acme' });
    expect(email.status, email.body).toBe(401);
    await client.get('/admin/login?workspace=acme');
    const workspace = await client.post('/admin/login', { email: admin.email, password: admin.password, workspace: `acme${NUL}` });
    expect(workspace.status, workspace.body).toBe(401);
    await client.get('/admin/login?workspace=acme');
    const next = await client.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme', next: `/admin/tasks${NUL}` });
    expect(next.location).toBe('/admin/health');
  });

  it('answers a NUL typed into a list filter with a 400 page', async () => {
    const client = await fx.signIn(admin);
    for (const path of ['/admin/runs?stream=%00', '/admin/runs?errorCode=x%00', '/admin/events?type=%00', '/admin/integrations?connector=%00']) {
      const response = await client.get(path);
      expect(response.status, path).toBe(400);
      expect(response.body, path).toMatch(/must not contain the NUL character/);
    }
  });
});

describe('admin schedule fields take what the API takes', () => {
  const schedulesOf = async (id: string) => (await test.hub.db.selectFrom('integration_configs').select('schedules').where('id', '=', id).executeTakeFirstOrThrow()).schedules;
  const cron = (expression: string, tz = '') => integrationForm({ 'schedules.incident.mode': 'cron', 'schedules.incident.cron': expression, 'schedules.incident.tz': tz });

  it('refuses what the queue would refuse after saving, beside the cron or time zone field', async () => {
    const id = await createServiceNowViaApi(test, acme, 'SN cron input');
    const client = await fx.signIn(admin);
    await client.get(`/admin/integrations/${id}`);
    const before = await schedulesOf(id);
    for (const [expression, message] of [
      ['0 0 31 2 *', 'never fires'],
      ['0 0 15W * *', 'nearest-weekday'],
      ['*/10 * * * * *', 'at most once a minute'],
      ['0 0 * * * * 2030', '5 or 6 fields'],
    ] as const) {
      const response = await client.post(`/admin/integrations/${id}`, cron(expression));
      expect(response.status, expression).toBe(400);
      expect(response.body, expression).toMatch(new RegExp(`id="f-schedules-incident-cron-error">.*${message}`));
    }
    const zone = await client.post(`/admin/integrations/${id}`, cron('0 * * * *', 'Mars/Olympus_Mons'));
    expect(zone.status).toBe(400);
    expect(zone.body).toMatch(/id="f-schedules-incident-tz-error">.*IANA time zone/);
    expect(await schedulesOf(id)).toEqual(before);
  });

  it('saves a six-field expression with a fixed seconds value and a time zone, as the API does', async () => {
    const id = await createServiceNowViaApi(test, acme, 'SN six fields');
    const client = await fx.signIn(admin);
    await client.get(`/admin/integrations/${id}`);
    const saved = await client.post(`/admin/integrations/${id}`, cron('30 */5 * * * *', 'Europe/Berlin'));
    expect(saved.status, saved.body).toBe(303);
    expect((await schedulesOf(id))['incident']).toEqual({ cron: '30 */5 * * * *', tz: 'Europe/Berlin' });
  });
});

describe('a form body that cannot be read', () => {
  const cutMultipart = '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b';
  const postRaw = (client: CookieClient, path: string) =>
    test.app.request(`http://localhost${path}`, {
      method: 'POST',
      headers: { cookie: [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; '), origin: 'http://localhost', 'content-type': 'multipart/form-data; boundary=b' },
      body: cutMultipart,
    });

  it('is a 400 saying so, signed in or at sign-in, not an internal error', async () => {
    const signedIn = await fx.signIn(admin);
    const atSignIn = new CookieClient(test.app);
    await atSignIn.get('/admin/login?workspace=acme');
    for (const [client, path] of [[signedIn, '/admin/settings'], [atSignIn, '/admin/login']] as const) {
      const response = await postRaw(client, path);
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/the form could not be read/i);
    }
  });
});
