import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { formRecord } from './forms/rendered-form.testing.ts';

// What an admin typed must survive a refused save: the form shown again must neither drop a value
// silently nor, sent again as shown, store something the admin never chose.

let fx: AdminHttpFixture;
beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_refused_form');
});
afterAll(async () => {
  await fx?.close();
});

const row = (id: string) => fx.test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const idIn = (location: string | null | undefined) => /\/admin\/integrations\/([0-9a-f-]{36})/.exec(location ?? '')?.[1] ?? '';

describe('the integration form after a refused save', () => {
  it('asks for credentials typed before the refusal again, rather than creating the integration without them', async () => {
    const client = await fx.signIn(fx.admin);
    const action = '/admin/integrations?connector=servicenow';
    const form = await client.get('/admin/integrations/new?connector=servicenow');
    const refused = await client.post(action, formRecord(form.body, action, {
      name: 'SN typed credentials',
      'config.instanceUrl': 'not a url',
      'credentials.auth.type': 'oauth2',
      'credentials.auth~oauth2.clientId': 'hub-client',
      'credentials.auth~oauth2.clientSecret': 'client-secret-123',
      'schedules.incident.mode': 'off', 'schedules.change_request.mode': 'off', 'schedules.sc_task.mode': 'off',
    }));
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('enter the credentials again');
    // The kind chosen stays chosen; no secret comes back.
    expect(formRecord(refused.body, action)['credentials.auth.type']).toBe('oauth2');
    expect(refused.body).not.toContain('client-secret-123');

    // Fixed and sent again without the credentials: refused again, with the reminder.
    const resent = await client.post(action, formRecord(refused.body, action, { 'config.instanceUrl': fx.fake.url }));
    expect(resent.status).toBe(400);
    expect(resent.body).toContain('enter the credentials again');

    const created = await client.post(action, formRecord(resent.body, action, {
      'credentials.auth.type': 'basic', 'credentials.auth~basic.username': 'svc', 'credentials.auth~basic.password': 'next-password-long-2222',
    }));
    expect(created.status).toBe(303);
    expect((await row(idIn(created.location))).credentials_ciphertext).not.toBeNull();
  });

  it('shows a refused schedule as typed, and sent again as shown it stores nothing the admin did not choose', async () => {
    const created = await fx.test.request('post', '/api/integrations', {
      token: fx.acme.tokens.admin,
      body: {
        connector: 'servicenow', name: 'SN schedule typed', environment: 'staging',
        config: { instanceUrl: 'http://127.0.0.1:9' },
        schedules: { incident: { cron: '0 3 * * *', enabled: false }, change_request: { enabled: false }, sc_task: { enabled: false } },
      },
    });
    expect(created.status).toBe(201);
    const id = (await created.json()).id as string;
    const client = await fx.signIn(fx.admin);
    const action = `/admin/integrations/${id}`;
    const page = await client.get(action);

    // An interval of 5 s for incident: refused (the minimum is 10).
    const refused = await client.post(action, formRecord(page.body, action, { 'schedules.incident.mode': 'every', 'schedules.incident.everySeconds': '5' }));
    expect(refused.status).toBe(400);
    const shown = formRecord(refused.body, action);
    expect(shown['schedules.incident.mode']).toBe('every');
    expect(shown['schedules.incident.everySeconds']).toBe('5');

    // Sent again as shown: refused again, and the stored schedule (off) stays.
    expect((await client.post(action, shown)).status).toBe(400);
    expect((await row(id)).schedules['incident']).toEqual({ cron: '0 3 * * *', enabled: false });
  });
});
