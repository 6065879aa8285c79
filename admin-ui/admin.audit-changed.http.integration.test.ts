import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceNowViaApi, startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { formRecord } from './forms/rendered-form.testing.ts';

// runbooks/endpoint_disabled.md, How to confirm step 2:
//   `GET /api/audit?action=integration.updated` (admin role): the entry whose `detail.changed`
//   lists `enabled` says who did it and when.
// The admin UI's Configuration form sends every field, so `changed` must list what the save
// changed, not what it sent, or the runbook points at whoever last saved the form.

let fx: AdminHttpFixture;
beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_audit_changed');
});
afterAll(async () => {
  await fx?.close();
});

describe('audit detail.changed of integration.updated', () => {
  it('does not list `enabled` for a form save that only renamed the integration', async () => {
    const id = await createServiceNowViaApi(fx.test, fx.acme, 'SN audit changed');
    const client = await fx.signIn(fx.admin);
    const page = await client.get(`/admin/integrations/${id}`);
    const saved = await client.post(`/admin/integrations/${id}`, formRecord(page.body, `/admin/integrations/${id}`, { name: 'SN audit changed renamed' }));
    expect(saved.status).toBe(303);
    const row = await fx.test.hub.db.selectFrom('integration_configs').select('enabled').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.enabled).toBe(true); // enabled did not change

    const audit = await fx.test.request('get', '/api/audit?action=integration.updated', { token: fx.acme.tokens.admin });
    expect(audit.status).toBe(200);
    const entry = (await audit.json()).entries.find((e: any) => e.targetId === id);
    expect(entry).toBeDefined();
    // The runbook's rule "the entry whose detail.changed lists enabled" must not pick this save.
    expect(entry.detail.changed).toEqual(['name']);
  });

  it('does not list `enabled` for an API PATCH that sends enabled unchanged', async () => {
    const id = await createServiceNowViaApi(fx.test, fx.acme, 'SN audit patch');
    const patched = await fx.test.request('patch', `/api/integrations/${id}`, { token: fx.acme.tokens.admin, body: { enabled: true, config: { pageSize: 50 } } });
    expect(patched.status).toBe(200);
    const audit = await fx.test.request('get', '/api/audit?action=integration.updated', { token: fx.acme.tokens.admin });
    const entry = (await audit.json()).entries.find((e: any) => e.targetId === id);
    expect(entry.detail.changed).toEqual(['config']);
  });

  it('lists `enabled` for the save that disabled the integration', async () => {
    const id = await createServiceNowViaApi(fx.test, fx.acme, 'SN audit disable');
    const client = await fx.signIn(fx.admin);
    const page = await client.get(`/admin/integrations/${id}`);
    expect((await client.post(`/admin/integrations/${id}`, formRecord(page.body, `/admin/integrations/${id}`, { enabled: 'false' }))).status).toBe(303);
    const audit = await fx.test.request('get', '/api/audit?action=integration.updated', { token: fx.acme.tokens.admin });
    const entry = (await audit.json()).entries.find((e: any) => e.targetId === id);
    expect(entry.detail.changed).toEqual(['enabled']);
  });
});
