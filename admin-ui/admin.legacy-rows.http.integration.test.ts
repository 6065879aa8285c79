import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { formRecord } from './forms/rendered-form.testing.ts';

// Rows the current checks or this process's version would not have made: a route saved before a
// check existed can still be renamed or switched off (as through the API, though the edit form sends
// every field back), and an integration of a connector this process does not offer (a rolling
// upgrade, a removed connector) still has a page, since the list links to it.

let fx: AdminHttpFixture;
beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_legacy_rows');
});
afterAll(async () => {
  await fx?.close();
});

async function legacyRoute(filter: Record<string, unknown>): Promise<string> {
  const row = await fx.test.hub.db
    .insertInto('routes')
    .values({
      tenant_id: fx.acme.id, name: `legacy ${Math.random().toString(36).slice(2, 8)}`, filter: JSON.stringify(filter),
      source_integration_id: (filter['sourceIntegrationId'] as string | undefined) ?? null,
      target_integration_id: fx.acmeIntegration, action: 'add_work_note',
      input_template: JSON.stringify({ sys_id: '{{event.payload.sys_id}}', note: 'seen' }), enabled: true, updated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const enabled = async (id: string) => (await fx.test.hub.db.selectFrom('routes').select('enabled').where('id', '=', id).executeTakeFirstOrThrow()).enabled;

describe('legacy routes in the admin UI', () => {
  it('switches off a route that loops (source = target), saved before that check existed, as the API does', async () => {
    const id = await legacyRoute({ sourceIntegrationId: fx.acmeIntegration });
    const client = await fx.signIn(fx.admin);
    const page = await client.get(`/admin/routes/${id}/edit`);
    expect(page.status).toBe(200);
    // Untick "Enabled" and save, every other field as shown.
    const saved = await client.post(`/admin/routes/${id}`, formRecord(page.body, `/admin/routes/${id}`, { enabled: 'false' }));
    expect(saved.status, /<p class="field-error"[^>]*>(.*?)<\/p>/.exec(saved.body)?.[1]).toBe(303);
    expect(await enabled(id)).toBe(false);
  });

  it('renames a route whose filter names a connector that does not exist, as the API does', async () => {
    const id = await legacyRoute({ connector: 'servicenwo' });
    const client = await fx.signIn(fx.admin);
    const page = await client.get(`/admin/routes/${id}/edit`);
    const saved = await client.post(`/admin/routes/${id}`, formRecord(page.body, `/admin/routes/${id}`, { name: 'renamed legacy' }));
    expect(saved.status, /<p class="field-error"[^>]*>(.*?)<\/p>/.exec(saved.body)?.[1]).toBe(303);
  });
});

describe('an integration of a connector this process does not offer', () => {
  it('still has a page (runs, tasks, delete), since the list links to it', async () => {
    const row = await fx.test.hub.db
      .insertInto('integration_configs')
      .values({ tenant_id: fx.acme.id, connector: 'jira', name: 'Jira (newer hub)', environment: 'production', config: JSON.stringify({}), schedules: JSON.stringify({}), enabled: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    const client = await fx.signIn(fx.admin);
    const list = await client.get('/admin/integrations');
    expect(list.body).toContain(`href="/admin/integrations/${row.id}"`);
    const page = await client.get(`/admin/integrations/${row.id}`);
    expect(page.status, /<strong>(.*?)<\/strong>/.exec(page.body)?.[1]).toBe(200);
    expect(page.body).toContain('Not offered by this version');
    expect(page.body).toContain(`action="/admin/integrations/${row.id}/pause"`);
    expect(page.body).toContain(`action="/admin/integrations/${row.id}/delete"`);
    expect(page.body).not.toContain(`action="/admin/integrations/${row.id}/check"`);
    expect(page.body).not.toContain(`action="/admin/integrations/${row.id}/sync"`);
    const deleted = await client.post(`/admin/integrations/${row.id}/delete`, formRecord(page.body, `/admin/integrations/${row.id}/delete`, { confirm: 'yes' }));
    expect(deleted.status).toBe(303);
    expect(await fx.test.hub.db.selectFrom('integration_configs').select('id').where('id', '=', row.id).executeTakeFirst()).toBeUndefined();
  });
});
