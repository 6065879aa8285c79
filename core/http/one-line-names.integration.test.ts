import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';

// Names are read in lists, Slack lines, alerts and logs, and edited in one-line form fields: a
// line break or another control character in one is refused where it is given, per field. A name
// stored before keeps working: a change that does not touch it is taken.

let test: TestHub;
let tenant: TestTenant;
beforeAll(async () => {
  test = await startTestHub({ label: 'one_line_names', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
});

const ONE_LINE = { path: 'body.name', message: 'is one line of text: no line breaks, tabs or other control characters' };

it('refuses a name with a line break or a tab for an integration, a route and a token, and stores none', async () => {
  const integration = await test.request('post', '/api/integrations', {
    token: tenant.tokens.admin,
    body: { connector: 'testkit', name: 'SN\nprod', config: { dataset: 'names' }, schedules: { items: { enabled: false } } },
  });
  expect(integration.status).toBe(400);
  expect((await integration.json()).error.fields).toEqual([ONE_LINE]);

  const source = await createTestkitIntegration(test, tenant, 'names-source');
  const target = await createTestkitIntegration(test, tenant, 'names-target');
  const route = await test.request('post', '/api/routes', {
    token: tenant.tokens.admin,
    body: { name: 'alerts\tall', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'x' } },
  });
  expect(route.status).toBe(400);
  expect((await route.json()).error.fields).toEqual([ONE_LINE]);

  const token = await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: { name: 'ci\r\ndeploy', role: 'viewer' } });
  expect(token.status).toBe(400);
  expect((await token.json()).error.fields).toEqual([ONE_LINE]);

  const renamed = await test.request('patch', `/api/integrations/${source.id}`, { token: tenant.tokens.admin, body: { name: 'kit\u2028two' } });
  expect(renamed.status).toBe(400);
  expect((await renamed.json()).error.fields).toEqual([ONE_LINE]);

  const names = await test.hub.db.selectFrom('integration_configs').select('name').where('tenant_id', '=', tenant.id).execute();
  expect(names.map((row) => row.name).sort()).toEqual([source.name, target.name].sort());
});

it('takes a change that leaves a stored multi-line name alone', async () => {
  const kit = await createTestkitIntegration(test, tenant, 'names-legacy');
  await test.hub.db.updateTable('integration_configs').set({ name: 'legacy\nname' }).where('id', '=', kit.id).execute();
  const paused = await test.request('patch', `/api/integrations/${kit.id}`, { token: tenant.tokens.admin, body: { enabled: false } });
  expect(paused.status).toBe(200);
  expect((await paused.json()).name).toBe('legacy\nname');
});
