import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceNowViaApi, startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../test-support/schedules-off.ts';
import { formRecord } from './forms/rendered-form.testing.ts';

// What the pages say about integrations must be true and unambiguous: which environment a name
// belongs to, what a pause or a delete does, what is scheduled, and what was typed.

let fx: AdminHttpFixture;
beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_labels');
});
afterAll(async () => {
  await fx?.close();
});

const strip = (s: string) => s.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
const optionLabels = (page: string, selectName: string, ids: string[]) => {
  const select = new RegExp(`<select[^>]*name="${selectName}"[\\s\\S]*?</select>`).exec(page)?.[0] ?? '';
  return ids.map((id) => strip(new RegExp(`<option value="${id}"[^>]*>([\\s\\S]*?)</option>`).exec(select)?.[1] ?? ''));
};

describe('admin UI: what the pages say about integrations', () => {
  it('lets an admin tell a staging integration from a production one of the same name when choosing a route target or filtering runs', async () => {
    // Names are unique only within an environment.
    const staging = await createServiceNowViaApi(fx.test, fx.acme, 'ServiceNow');
    const created = await fx.test.request('post', '/api/integrations', {
      token: fx.acme.tokens.admin,
      body: { connector: 'servicenow', name: 'ServiceNow', environment: 'production', config: { instanceUrl: 'http://127.0.0.1:9' }, schedules: SERVICENOW_SCHEDULES_OFF },
    });
    expect(created.status).toBe(201);
    const production = (await created.json()).id as string;
    const client = await fx.signIn(fx.admin);

    const routes = await client.get('/admin/routes');
    expect(optionLabels(routes.body, 'targetIntegrationId', [staging, production])).toEqual(['ServiceNow · staging (servicenow)', 'ServiceNow · production (servicenow)']);

    const runs = await client.get('/admin/runs');
    expect(optionLabels(runs.body, 'integrationId', [staging, production])).toEqual(['ServiceNow · staging', 'ServiceNow · production']);
  });

  it('says a resumed integration that is disabled still does not poll on schedule', async () => {
    const id = await createServiceNowViaApi(fx.test, fx.acme, 'SN disabled');
    expect((await fx.test.request('patch', `/api/integrations/${id}`, { token: fx.acme.tokens.admin, body: { enabled: false } })).status).toBe(200);
    const operator = await fx.signIn(fx.operator);
    await operator.get(`/admin/integrations/${id}`);
    await operator.post(`/admin/integrations/${id}/pause`);
    await operator.get(`/admin/integrations/${id}`);
    const resumed = await operator.post(`/admin/integrations/${id}/resume`);
    const page = await operator.get(resumed.location!);
    const health = await fx.test.request('get', `/api/integrations/${id}`, { token: fx.acme.tokens.admin });
    expect((await health.json()).health.status).toBe('paused');
    expect(page.body).not.toContain('Scheduled polls resumed.');
    expect(page.body).toContain('the integration is disabled: it polls on schedule only once it is enabled again');
  });

  it('warns, before an integration is deleted, that the routes sending to it are deleted with it', async () => {
    const target = await createServiceNowViaApi(fx.test, fx.acme, 'SN ticketing');
    const route = await fx.test.request('post', '/api/routes', {
      token: fx.acme.tokens.admin,
      body: { name: 'P1 incidents to ticketing', filter: { eventType: 'incident.*' }, targetIntegrationId: target, action: 'create_incident', inputTemplate: { short_description: '{{event.type}}' } },
    });
    expect(route.status, await route.clone().text()).toBe(201);
    const client = await fx.signIn(fx.admin);
    const page = await client.get(`/admin/integrations/${target}`);
    const danger = strip(/<h2 id="danger-title">[\s\S]*?<\/section>/.exec(page.body)?.[0] ?? '');
    expect(danger).toContain('every route that takes events from it or acts on it');
    // As it says:
    await client.post(`/admin/integrations/${target}/delete`, { confirm: 'yes' });
    const left = await fx.test.hub.db.selectFrom('routes').select('id').where('target_integration_id', '=', target).execute();
    expect(left).toHaveLength(0);
  });

  it('shows a mistyped JSON field back as typed, not wrapped in quotes', async () => {
    const r = await fx.test.request('post', '/api/integrations', {
      token: fx.acme.tokens.admin,
      body: { connector: 'slack', name: 'Slack JSON', environment: 'production', config: { alertChannel: 'C123ABC' }, credentials: { botToken: 'xoxb-1234567890-abcdef', signingSecret: '0123456789abcdef0123' }, schedules: {} },
    });
    const id = (await r.json()).id as string;
    const client = await fx.signIn(fx.admin);
    const action = `/admin/integrations/${id}`;
    const page = await client.get(action);
    const refused = await client.post(action, formRecord(page.body, action, { 'config.escalation.afterMinutes': '[5, 15' }));
    expect(refused.status).toBe(400);
    expect(formRecord(refused.body, action)['config.escalation.afterMinutes']).toBe('[5, 15');
  });

  it('lists an integration whose every stream is off as manual only, as its page says', async () => {
    const id = await createServiceNowViaApi(fx.test, fx.acme, 'SN all streams off');
    const client = await fx.signIn(fx.operator);
    const detail = await client.get(`/admin/integrations/${id}`);
    expect(strip(detail.body)).toContain('Manual runs only (every stream is off)');
    const list = await client.get('/admin/integrations');
    const row = new RegExp(`<tr>\\s*<th scope="row"><a href="/admin/integrations/${id}">[\\s\\S]*?</tr>`).exec(list.body)?.[0] ?? '';
    expect(row).not.toBe('');
    expect(strip(row)).toContain('Manual only');
  });
});
