import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// Integration ids sent in upper case, as many tools print UUIDs: PostgreSQL's uuid type finds the
// integration either way, but a route's filter keeps its source id as JSON and routing compares it
// as text with the event's integration id. Such a route was saved (201) and never acted.

describe('route filter sourceIntegrationId in upper case', () => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'route_src_case', database: 'postgres', queue: 'memory', connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('routes the source integration\'s events whatever the case of the id it was given', async () => {
    const source = await createTestkitIntegration(test, tenant, `case-src-${Math.random()}`);
    const targetData = `case-dst-${Math.random()}`;
    const target = await createTestkitIntegration(test, tenant, targetData);

    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'upper', filter: { sourceIntegrationId: String(source.id).toUpperCase() }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: '{{event.payload.title}}' } },
    });
    expect(created.status).toBe(201);
    const route = await created.json();
    expect(route.filter.sourceIntegrationId).toBe(source.id);

    testkitUpstream(source.config.dataset).records.set('c1', { priority: 1, title: 'Routed?' });
    await syncAndWait(test, tenant, source.id);
    await waitFor('the event to be routed', async () => {
      const rows = await test.hub.db.selectFrom('integration_events').select('status').where('integration_id', '=', source.id).execute();
      return rows.length > 0 && rows.every((row) => row.status !== 'pending');
    });
    const runs = await test.hub.db.selectFrom('integration_runs').selectAll().where('route_id', '=', route.id).execute();
    expect(runs, 'the route saved with 201 acted on its source\'s event').toHaveLength(1);
  });

  it('refuses a route whose target is its own source, named in another case', async () => {
    const integration = await createTestkitIntegration(test, tenant, `case-loop-${Math.random()}`);
    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'loop', filter: { sourceIntegrationId: String(integration.id).toUpperCase() }, targetIntegrationId: integration.id, action: 'record', inputTemplate: { message: 'x' } },
    });
    expect(created.status).toBe(400);
    expect((await created.json()).error.fields).toEqual([expect.objectContaining({ path: 'body.targetIntegrationId' })]);
  });
});
