import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// An action run cancelled because its route was pointed elsewhere before it ran never acted, yet
// it holds the route's key for the event: a replay must let the route, as it is now, act on it.

describe.each(RUNTIME_MODES)('replaying an event whose route action was cancelled ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'replay_cancelled', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const runsOf = (routeId: string) => test.hub.db.selectFrom('integration_runs').select(['id', 'status', 'integration_id', 'event_id']).where('route_id', '=', routeId).execute();

  it("runs the action on the route's current target when the event is replayed", async () => {
    const source = await createTestkitIntegration(test, tenant, `replay-cancelled-source-${options.database}`);
    const first = await createTestkitIntegration(test, tenant, `replay-cancelled-first-${options.database}`);
    const second = await createTestkitIntegration(test, tenant, `replay-cancelled-second-${options.database}`);
    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'all', filter: { sourceIntegrationId: source.id }, targetIntegrationId: first.id, action: 'record', inputTemplate: { message: 'x {{event.externalId}}' } },
    });
    expect(created.status).toBe(201);
    const route = await created.json();
    // The first target paused: the route's action run waits, queued.
    expect((await test.request('post', `/api/integrations/${first.id}/pause`, { token: tenant.tokens.operator })).status).toBe(200);
    testkitUpstream(source.config.dataset).records.set('e1', { title: 'hello' });
    await syncAndWait(test, tenant, source.id);
    const [run] = await waitFor('the action run', async () => {
      const runs = await runsOf(route.id);
      return runs.length > 0 && runs;
    });
    // The route is pointed at the second target, then the first resumes: the waiting run is cancelled.
    expect((await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { targetIntegrationId: second.id } })).status).toBe(200);
    expect((await test.request('post', `/api/integrations/${first.id}/resume`, { token: tenant.tokens.operator })).status).toBe(200);
    await waitFor('the waiting run to be cancelled', async () => (await runsOf(route.id))[0]?.status === 'cancelled');
    expect(testkitUpstream(first.config.dataset).actions).toEqual([]);

    const replayed = await test.request('post', `/api/events/${run!.event_id}/replay`, { token: tenant.tokens.operator });
    expect(replayed.status).toBe(202);
    await waitFor('the action to succeed on the second target', async () => (await runsOf(route.id))[0]?.status === 'succeeded');
    expect(await runsOf(route.id)).toEqual([expect.objectContaining({ id: run!.id, integration_id: second.id, status: 'succeeded' })]);
    expect(testkitUpstream(second.config.dataset).actions).toHaveLength(1);
    expect(testkitUpstream(first.config.dataset).actions).toEqual([]);
  });
});
