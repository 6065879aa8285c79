import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { processEvents } from './event.processor.ts';

// A routing job holds up to 500 events (the reconciler's batch after a backlog), and each may match
// many routes. Their action runs once went into one INSERT at ten parameters a run: past 65,535
// parameters the protocol's count wrapped, the job failed on every retry and the events stayed
// pending for good. Runs now go in statements of bounded size.

describe.each(RUNTIME_MODES)('routing a job of many events matching many routes, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'route_batch_size', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('gives 500 events matching 14 routes their 7,000 action runs and marks every event processed', async () => {
    const source = await createTestkitIntegration(test, tenant, 'batch-src');
    const target = await createTestkitIntegration(test, tenant, 'batch-dst');
    for (let index = 0; index < 14; index++) {
      const route = await test.request('post', '/api/routes', {
        token: tenant.tokens.admin,
        body: { name: `route ${index}`, filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'got {{event.externalId}}' } },
      });
      expect(route.status).toBe(201);
    }
    const events = await test.hub.db
      .insertInto('integration_events')
      .values(
        Array.from({ length: 500 }, (_, index) => ({
          tenant_id: tenant.id, integration_id: source.id, source: 'webhook' as const, type: 'finding.created',
          external_id: `f-${index}`, payload: '{}', payload_hash: 'h', dedupe_key: `batch-${index}`, status: 'pending' as const,
        })),
      )
      .returning('id')
      .execute();
    const ids = events.map((event) => event.id);

    await processEvents(test.hub, ids);

    const runs = await test.hub.db.selectFrom('integration_runs').select((eb) => eb.fn.countAll<string>().as('count')).where('integration_id', '=', target.id).where('kind', '=', 'action').executeTakeFirstOrThrow();
    expect(Number(runs.count)).toBe(500 * 14);
    const pending = await test.hub.db.selectFrom('integration_events').select('id').where('id', 'in', ids).where('status', '<>', 'processed').execute();
    expect(pending).toEqual([]);
  });
});
