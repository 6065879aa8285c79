import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { processEvents } from '../events/event.processor.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, insertPendingEvent } from '../../test-support/testkit-integration.ts';

// One event may be in two routing jobs at once: the reconciler hands back an event whose job it
// thinks lost while the original job still runs, and a batch retried overlaps the next. Each
// (route, event) is acted on once all the same: jobs over the same events, at the same time and
// in opposite orders, make one run per pair and no more.

const EVENTS = 100;
const ROUTES = 3;

describe.each(RUNTIME_MODES)('routing jobs that overlap, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    // No workers: the test runs the routing jobs itself.
    test = await startTestHub({ label: 'route_concurrent_jobs', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('make one run per (route, event), whichever job gets there first', async () => {
    const source = (await createTestkitIntegration(test, tenant, 'concurrent-source')).id;
    const target = (await createTestkitIntegration(test, tenant, 'concurrent-target')).id;
    for (let r = 0; r < ROUTES; r++) {
      const route = await test.request('post', '/api/routes', {
        token: tenant.tokens.admin,
        body: { name: `route ${r}`, filter: { sourceIntegrationId: source }, targetIntegrationId: target, action: 'record', inputTemplate: { message: 'm' } },
      });
      expect(route.status).toBe(201);
    }
    const events: string[] = [];
    for (let n = 0; n < EVENTS; n++) events.push(await insertPendingEvent(test, tenant, source, `event-${n}`));

    // Three rounds, so later jobs also meet events that earlier ones routed already.
    for (let round = 0; round < 3; round++) {
      await Promise.all([processEvents(test.hub, events), processEvents(test.hub, [...events].reverse()), processEvents(test.hub, events.slice(EVENTS / 2))]);
    }

    const runs = await test.hub.db.selectFrom('integration_runs').select(['route_id', 'event_id', 'idempotency_key']).where('integration_id', '=', target).execute();
    expect(runs).toHaveLength(ROUTES * EVENTS);
    expect(new Set(runs.map((run) => `${run.route_id} ${run.event_id}`)).size).toBe(ROUTES * EVENTS);
    expect(new Set(runs.map((run) => run.idempotency_key)).size).toBe(ROUTES * EVENTS);
  });
});
