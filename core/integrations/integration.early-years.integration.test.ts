import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';

// README: "Timestamps are ISO 8601 in UTC (2030-01-01T00:00:00Z) in the years 0001–9999." What the
// API accepts and stores it must answer back as the same instant, in both runtime modes.
describe.each(RUNTIME_MODES)('timestamps of the years 0001–0099 on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'api_early_years', ...options, connectors: [testkit] });
    tenant = await test.createTenant('acme');
  }, 60_000);
  afterAll(async () => {
    await test?.close();
  });

  it('credentialsExpiresAt comes back as the year that was stored', async () => {
    const integration = await createTestkitIntegration(test, tenant, 'early');
    // A typo for 2026, say: the hub takes it, so it must show what it took.
    const sent = '0026-03-01T00:00:00.000Z';
    const patched = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentialsExpiresAt: sent } });
    expect(patched.status).toBe(200);
    const stored = await test.hub.db.selectFrom('integration_configs').select((eb) => eb.fn<string>('to_char', [eb.ref('credentials_expires_at'), eb.val('YYYY')]).as('year')).where('id', '=', integration.id).executeTakeFirstOrThrow();
    expect(stored.year).toBe('0026');
    expect((await patched.json()).credentials.expiresAt).toBe(sent);
    const read = await (await test.request('get', `/api/integrations/${integration.id}`, { token: tenant.tokens.viewer })).json();
    expect(read.credentials.expiresAt).toBe(sent);
  });

  it("one such date does not break the tenant's integration list", async () => {
    const integration = await createTestkitIntegration(test, tenant, 'early-list');
    await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentialsExpiresAt: '0025-12-31T00:00:00Z' } });
    const list = await test.request('get', '/api/integrations', { token: tenant.tokens.viewer });
    expect(list.status, await list.clone().text()).toBe(200);
  });

  it('years 0001–0012 are not read back with day and month swapped', async () => {
    const integration = await createTestkitIntegration(test, tenant, 'early-swap');
    const sent = '0012-12-31T00:00:00.000Z';
    const patched = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentialsExpiresAt: sent } });
    expect((await patched.json()).credentials.expiresAt).toBe(sent);
  });

  it('a create with such a date answers 201, not a 500 for a row it did store', async () => {
    const name = `early-create-${options.database}`;
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'testkit', name, config: { dataset: 'c' }, credentials: { auth: { type: 'bearer', token: 'kit-token-123456' } }, credentialsExpiresAt: '0025-06-30T00:00:00Z', schedules: { items: { enabled: false } } },
    });
    const stored = await test.hub.db.selectFrom('integration_configs').select('id').where('name', '=', name).execute();
    expect(stored).toHaveLength(1);
    expect(created.status).toBe(201);
  });
});
