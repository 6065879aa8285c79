import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { formRecord } from './forms/rendered-form.testing.ts';

// Values stored through the API that a form control cannot carry as they are (line breaks in a
// one-line input, spaces the form would trim, an empty object the form shows as nothing, a choice
// the select does not offer): opening the edit form and saving it untouched, as a browser sends
// it, must leave the stored row exactly as it was.

let fx: AdminHttpFixture;
beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_edit_round_trip');
});
afterAll(async () => {
  await fx?.close();
});

const errorSummary = (body: string) => /<div class="error-summary"[\s\S]*?<\/div>/.exec(body)?.[0] ?? '';
const integrationRow = (id: string) =>
  fx.test.hub.db.selectFrom('integration_configs').select(['name', 'environment', 'enabled', 'config', 'schedules', 'credentials_expires_at', 'credentials_ciphertext']).where('id', '=', id).executeTakeFirstOrThrow();
const routeRow = (id: string) =>
  fx.test.hub.db.selectFrom('routes').select(['name', 'filter', 'source_integration_id', 'target_integration_id', 'action', 'input_template', 'enabled']).where('id', '=', id).executeTakeFirstOrThrow();

async function createIntegration(body: Record<string, unknown>): Promise<string> {
  const response = await fx.test.request('post', '/api/integrations', { token: fx.acme.tokens.admin, body });
  expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
  return (await response.json()).id as string;
}

async function saveUntouched(path: string, action: string) {
  const client = await fx.signIn(fx.admin);
  const page = await client.get(path);
  expect(page.status).toBe(200);
  return client.post(action, formRecord(page.body, action));
}

describe('integration edit form saved untouched', () => {
  it('keeps a ServiceNow config and schedules with line breaks, tabs, unicode and an empty group', async () => {
    const id = await createIntegration({
      connector: 'servicenow',
      name: 'SN round trip',
      environment: 'staging',
      config: { instanceUrl: 'http://127.0.0.1:9', query: 'active=true\r\n^short_descriptionLIKEtwo  spaces\t^x=ünï\n^y=z', pageSize: 1000, tables: {} },
      credentials: { auth: { type: 'basic', username: 'svc', password: 'super-secret-password' } },
      credentialsExpiresAt: '2031-01-31T10:30:00.000Z',
      schedules: { incident: { everySeconds: 900, enabled: true }, change_request: { cron: '0  6 * * 1', tz: 'Europe/Berlin' }, sc_task: { enabled: false } },
    });
    const before = await integrationRow(id);
    const saved = await saveUntouched(`/admin/integrations/${id}`, `/admin/integrations/${id}`);
    expect(saved.status, errorSummary(saved.body)).toBe(303);
    expect(await integrationRow(id)).toEqual(before);
  });

  it('refuses a name stored before names had to be one line, saying so at the field, and changes nothing', async () => {
    const id = await createIntegration({
      connector: 'slack', name: 'Slack old name', environment: 'production', config: {},
      credentials: { botToken: 'xoxb-123-456-abcdef', signingSecret: 'a-signing-secret-0123456789' }, schedules: {},
    });
    await fx.test.hub.db.updateTable('integration_configs').set({ name: 'Slack old name\nsecond line' }).where('id', '=', id).execute();
    const before = await integrationRow(id);
    const saved = await saveUntouched(`/admin/integrations/${id}`, `/admin/integrations/${id}`);
    expect(saved.status).toBe(400);
    expect(errorSummary(saved.body)).toContain('<strong>Name</strong>: is one line of text: no line breaks, tabs or other control characters');
    expect(await integrationRow(id)).toEqual(before);
  });

  it('keeps a Slack config with a digest at hour 0 and a mention holding a line break', async () => {
    const id = await createIntegration({
      connector: 'slack',
      name: 'Slack round trip',
      environment: 'production',
      config: { alertChannel: 'C0123ABC', digest: { channel: 'C0DIGEST1', frequency: 'weekly', hourUtc: 0 }, escalation: { afterMinutes: [5, 15], mention: '<!subteam^S0123|on call\nteam>' } },
      credentials: { botToken: 'xoxb-123-456-abcdef', signingSecret: 'a-signing-secret-0123456789' },
      schedules: {},
    });
    const before = await integrationRow(id);
    const saved = await saveUntouched(`/admin/integrations/${id}`, `/admin/integrations/${id}`);
    expect(saved.status, errorSummary(saved.body)).toBe(303);
    expect(await integrationRow(id)).toEqual(before);
  });

  it('keeps a stored choice the select does not offer chosen, so saving it is refused rather than switched', async () => {
    const id = await createIntegration({
      connector: 'slack',
      name: 'Slack legacy frequency',
      environment: 'production',
      config: { digest: { channel: 'C0DIGEST2' } },
      credentials: { botToken: 'xoxb-123-456-abcdef', signingSecret: 'a-signing-secret-0123456789' },
      schedules: {},
    });
    // A value an older version offered, written as that version would have.
    await fx.test.hub.db.updateTable('integration_configs').set({ config: JSON.stringify({ slashCommand: '/hub', slackApiUrl: 'https://slack.com/api/', digest: { channel: 'C0DIGEST2', frequency: 'hourly', hourUtc: 8 } }) }).where('id', '=', id).execute();
    const before = await integrationRow(id);
    const saved = await saveUntouched(`/admin/integrations/${id}`, `/admin/integrations/${id}`);
    expect(saved.status).toBe(400);
    expect(formRecord(saved.body, `/admin/integrations/${id}`)['config.digest.frequency']).toBe('hourly');
    expect(await integrationRow(id)).toEqual(before);
  });
});

describe('route edit form saved untouched', () => {
  it('keeps the name, a type with spaces and a line break, an empty field filter and the template', async () => {
    const created = await fx.test.request('post', '/api/routes', {
      token: fx.acme.tokens.admin,
      body: {
        name: 'Route round trip',
        filter: { eventType: ' incident.created\r\nnext ', fields: {} },
        targetIntegrationId: fx.acmeIntegration,
        action: 'create_incident',
        inputTemplate: { short_description: '  two\nlines  ', description: '{{event.type}}\ttab ✓', urgency: '2' },
        enabled: true,
      },
    });
    expect(created.status, JSON.stringify(await created.clone().json())).toBe(201);
    const id = (await created.json()).id as string;
    // A name stored before names had to be one line.
    await fx.test.hub.db.updateTable('routes').set({ name: 'Route round trip\tand tab' }).where('id', '=', id).execute();
    const before = await routeRow(id);
    const saved = await saveUntouched(`/admin/routes/${id}/edit`, `/admin/routes/${id}`);
    expect(saved.status, errorSummary(saved.body)).toBe(303);
    expect(await routeRow(id)).toEqual(before);
  });

  it('keeps a source integration that is not listed chosen, so the save is refused rather than widened to "any integration"', async () => {
    // A route saved before the source had its own column names it only in the filter, so deleting
    // that integration left the route in place.
    const gone = '00000000-0000-4000-8000-000000000001';
    const row = await fx.test.hub.db
      .insertInto('routes')
      .values({
        tenant_id: fx.acme.id, name: 'Route from a deleted source', filter: JSON.stringify({ sourceIntegrationId: gone, eventType: 'incident.*' }), source_integration_id: null,
        target_integration_id: fx.acmeIntegration, action: 'create_incident', input_template: JSON.stringify({ short_description: '{{event.type}}' }), enabled: true, updated_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const before = await routeRow(row.id);
    const saved = await saveUntouched(`/admin/routes/${row.id}/edit`, `/admin/routes/${row.id}`);
    expect(saved.status).toBe(400);
    expect(errorSummary(saved.body)).toContain('no such integration in this tenant');
    expect(formRecord(saved.body, `/admin/routes/${row.id}`)['sourceIntegrationId']).toBe(gone);
    expect(await routeRow(row.id)).toEqual(before);
  });
});
