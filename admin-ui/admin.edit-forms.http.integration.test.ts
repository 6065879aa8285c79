import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceNowViaApi, startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { formRecord } from './forms/rendered-form.testing.ts';

// The admin UI's forms submitted as a browser would send them, fields left as rendered: a save
// must store what the form showed plus what was typed — no defaults turned into settings, no
// schedule or other admin's change quietly dropped.

let fx: AdminHttpFixture;

beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_edit_forms');
});
afterAll(async () => {
  await fx?.close();
});

const SLACK_CREDENTIALS = { botToken: 'xoxb-123-456-abcdef', signingSecret: 'a-signing-secret-0123456789' };
const errorSummary = (body: string) => /<div class="error-summary"[\s\S]*?<\/div>/.exec(body)?.[0] ?? '';
const row = (id: string) => fx.test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function createSlackViaApi(name: string, config: Record<string, unknown> = {}): Promise<string> {
  const response = await fx.test.request('post', '/api/integrations', {
    token: fx.acme.tokens.admin,
    body: { connector: 'slack', name, environment: 'production', config, credentials: SLACK_CREDENTIALS, schedules: {} },
  });
  expect(response.status).toBe(201);
  return (await response.json()).id as string;
}

describe('Slack integration form and its optional digest', () => {
  const action = '/admin/integrations?connector=slack';
  const credentials = { 'credentials.botToken': SLACK_CREDENTIALS.botToken, 'credentials.signingSecret': SLACK_CREDENTIALS.signingSecret };

  it('creates a Slack integration without a digest from the form left at its defaults', async () => {
    const client = await fx.signIn(fx.admin);
    const page = await client.get('/admin/integrations/new?connector=slack');
    const created = await client.post(action, formRecord(page.body, action, { name: 'Slack no digest', ...credentials }));
    expect(created.status, errorSummary(created.body)).toBe(303);
    const id = /\/admin\/integrations\/([0-9a-f-]{36})/.exec(created.location ?? '')![1]!;
    expect((await row(id)).config).not.toHaveProperty('digest');
  });

  it('creates the digest, with its defaults, once a channel is given', async () => {
    const client = await fx.signIn(fx.admin);
    const page = await client.get('/admin/integrations/new?connector=slack');
    const created = await client.post(action, formRecord(page.body, action, { name: 'Slack digest', ...credentials, 'config.digest.channel': 'C0DIGEST1' }));
    expect(created.status, errorSummary(created.body)).toBe(303);
    const id = /\/admin\/integrations\/([0-9a-f-]{36})/.exec(created.location ?? '')![1]!;
    expect((await row(id)).config).toMatchObject({ digest: { channel: 'C0DIGEST1', frequency: 'daily', hourUtc: 8 } });
  });

  it('saves the untouched edit form of a Slack integration made through the API', async () => {
    const id = await createSlackViaApi('Slack edit', { alertChannel: 'C0123ABC' });
    const client = await fx.signIn(fx.admin);
    const page = await client.get(`/admin/integrations/${id}`);
    const saved = await client.post(`/admin/integrations/${id}`, formRecord(page.body, `/admin/integrations/${id}`));
    expect(saved.status, errorSummary(saved.body)).toBe(303);
    expect((await row(id)).config).toEqual({ alertChannel: 'C0123ABC', slashCommand: '/hub', slackApiUrl: 'https://slack.com/api/' });
  });

  it('does not offer "Run a sync" for a connector without streams, but does for one with them', async () => {
    const slack = await createSlackViaApi('Slack no sync');
    const client = await fx.signIn(fx.operator);
    expect((await client.get(`/admin/integrations/${slack}`)).body).not.toContain(`action="/admin/integrations/${slack}/sync"`);
    expect((await client.get(`/admin/integrations/${fx.acmeIntegration}`)).body).toContain(`action="/admin/integrations/${fx.acmeIntegration}/sync"`);
  });
});

describe('schedules in the integration form', () => {
  it('keeps the cron expression and time zone of a stream that is switched off', async () => {
    const id = await createServiceNowViaApi(fx.test, fx.acme, 'SN paused cron');
    const schedules = { incident: { cron: '0 6 * * 1', tz: 'Europe/Berlin', enabled: false }, change_request: { everySeconds: 900, enabled: false }, sc_task: { enabled: false } };
    expect((await fx.test.request('patch', `/api/integrations/${id}`, { token: fx.acme.tokens.admin, body: { schedules } })).status).toBe(200);
    const client = await fx.signIn(fx.admin);
    const page = await client.get(`/admin/integrations/${id}`);
    const saved = await client.post(`/admin/integrations/${id}`, formRecord(page.body, `/admin/integrations/${id}`, { name: 'SN paused cron renamed' }));
    expect(saved.status, errorSummary(saved.body)).toBe(303);
    // Switching the stream on again should bring its schedule back, not the connector default.
    expect((await row(id)).schedules).toEqual(schedules);
  });
});

describe('edit forms left open while someone else saves', () => {
  it('refuses a stale integration form with 409, showing the current settings, and saves once redone', async () => {
    const id = await createServiceNowViaApi(fx.test, fx.acme, 'SN race');
    const client = await fx.signIn(fx.admin);
    const stale = await client.get(`/admin/integrations/${id}`);
    // Another admin (here through the API) changes the query while this form is open.
    const patch = await fx.test.request('patch', `/api/integrations/${id}`, { token: fx.acme.tokens.admin, body: { config: { instanceUrl: 'http://127.0.0.1:9', query: 'active=true^priority=1' } } });
    expect(patch.status).toBe(200);

    const refused = await client.post(`/admin/integrations/${id}`, formRecord(stale.body, `/admin/integrations/${id}`, { name: 'SN race renamed' }));
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('someone else changed this integration after you opened the form');
    expect(refused.body).toMatch(/name="config.query"[^>]*value="active=true\^priority=1"/);
    expect(await row(id)).toMatchObject({ name: 'SN race', config: { query: 'active=true^priority=1' } });

    // The re-rendered form carries the new version: redoing the rename keeps the other change.
    const redone = await client.post(`/admin/integrations/${id}`, formRecord(refused.body, `/admin/integrations/${id}`, { name: 'SN race renamed' }));
    expect(redone.status, errorSummary(redone.body)).toBe(303);
    expect(await row(id)).toMatchObject({ name: 'SN race renamed', config: { query: 'active=true^priority=1' } });
  });

  it('refuses a stale route form with 409 and keeps the other change', async () => {
    const created = await fx.test.request('post', '/api/routes', {
      token: fx.acme.tokens.admin,
      body: { name: 'Route race', filter: { eventType: 'incident.*' }, targetIntegrationId: fx.acmeIntegration, action: 'create_incident', inputTemplate: { short_description: '{{event.type}}' }, enabled: true },
    });
    expect(created.status, JSON.stringify(await created.clone().json())).toBe(201);
    const id = (await created.json()).id as string;
    const client = await fx.signIn(fx.admin);
    const stale = await client.get(`/admin/routes/${id}/edit`);
    expect((await fx.test.request('patch', `/api/routes/${id}`, { token: fx.acme.tokens.admin, body: { enabled: false } })).status).toBe(200);

    const refused = await client.post(`/admin/routes/${id}`, formRecord(stale.body, `/admin/routes/${id}`, { name: 'Route race renamed' }));
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('someone else changed this route after you opened the form');
    const stored = await fx.test.hub.db.selectFrom('routes').select(['name', 'enabled']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored).toEqual({ name: 'Route race', enabled: false });
  });

  it('lets exactly one of several saves from the same route form through, however close together', async () => {
    const created = await fx.test.request('post', '/api/routes', {
      token: fx.acme.tokens.admin,
      body: { name: 'Route burst', filter: { eventType: 'incident.*' }, targetIntegrationId: fx.acmeIntegration, action: 'create_incident', inputTemplate: { short_description: '{{event.type}}' }, enabled: true },
    });
    expect(created.status).toBe(201);
    const id = (await created.json()).id as string;
    const client = await fx.signIn(fx.admin);
    const page = await client.get(`/admin/routes/${id}/edit`);
    // The same form submitted five times at once (say, from five tabs): each names a different
    // route name, and each was filled from the same version. Checked before the write instead of
    // in it, several passed the check before any wrote.
    const names = Array.from({ length: 5 }, (_, index) => `Route burst ${index}`);
    const saves = await Promise.all(names.map((name) => client.post(`/admin/routes/${id}`, formRecord(page.body, `/admin/routes/${id}`, { name }))));
    expect(saves.map((save) => save.status).sort()).toEqual([303, 409, 409, 409, 409]);
    const winner = names[saves.findIndex((save) => save.status === 303)];
    const stored = await fx.test.hub.db.selectFrom('routes').select('name').where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.name).toBe(winner);
    const audited = await fx.test.hub.db.selectFrom('audit_log').select('action').where('action', '=', 'route.updated').where('target_id', '=', id).execute();
    expect(audited).toHaveLength(1);
  });
});
