import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { refuseRunEnqueues } from '../../test-support/refuse-run-enqueues.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, insertPendingEvent } from '../../test-support/testkit-integration.ts';
import { processEvents } from './event.processor.ts';

// Routing commits the action runs with the events' new status; queueing the runs comes after. With
// the queue away at that moment the runs are stored and the reconciler queues them: the routing job
// itself succeeds rather than fail (and be retried) for work that is already recorded.

describe.each(RUNTIME_MODES)('routing events while the queue is unreachable, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'route_queue_down', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('stores the action runs and marks the events processed, and the job succeeds', async () => {
    const source = await createTestkitIntegration(test, tenant, `qd-src-${Math.random()}`);
    const target = await createTestkitIntegration(test, tenant, `qd-dst-${Math.random()}`);
    const route = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'queue down', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'got {{event.externalId}}' } },
    });
    expect(route.status).toBe(201);
    const event = { id: await insertPendingEvent(test, tenant, source.id, 'f-1') };

    const restore = refuseRunEnqueues(test.hub.queue);
    try {
      await expect(processEvents(test.hub, [event.id])).resolves.toBeUndefined();
    } finally {
      restore();
    }
    const stored = await test.hub.db.selectFrom('integration_events').select('status').where('id', '=', event.id).executeTakeFirstOrThrow();
    expect(stored.status).toBe('processed');
    const runs = await test.hub.db.selectFrom('integration_runs').select(['status', 'idempotency_key']).where('event_id', '=', event.id).execute();
    expect(runs).toEqual([{ status: 'queued', idempotency_key: expect.stringMatching(/^route:/) }]);
  });
});
