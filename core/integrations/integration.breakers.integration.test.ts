import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { createHubContext } from '../server/hub-services.ts';
import type { HubContext } from '../server/hub-context.ts';

// Each process keeps a circuit breaker per integration it calls. A deleted integration's goes: at
// once in the process that deleted it, at the next sweep in the others (a worker hears of no
// change made by the API process). Live integrations keep theirs, open ones included, whatever
// an admin changes.

let test: TestHub;
let tenant: TestTenant;
/** A worker process, in effect: the same database, breakers and change listeners of its own. */
let worker: HubContext;

beforeAll(async () => {
  test = await startTestHub({ label: 'integration-breakers', database: 'postgres', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('acme');
  const { config, database, queue, logger, masterKeys } = test.hub;
  worker = createHubContext({ config, database, queue, logger, masterKeys, connectors: [...connectors, testkit] });
});
afterAll(async () => {
  worker?.breakers.shutdown();
  test?.hub.breakers.shutdown();
  await test?.close();
});

const unavailable = (): Promise<never> => Promise.reject(new ConnectorError('upstream_unavailable', 'GET /items answered 503', { status: 503 }));

/** Opens the breaker of `integrationId` in `hub` with the default volume of failed calls. */
async function openBreaker(hub: HubContext, integrationId: string): Promise<void> {
  for (let i = 0; i < 10; i++) await hub.breakers.run(integrationId, unavailable).catch(() => undefined);
  expect(hub.breakers.state(integrationId)).toBe('open');
}

const remove = (id: string) => test.request('delete', `/api/integrations/${id}`, { token: tenant.tokens.admin });

describe('circuit breakers of deleted integrations', () => {
  it('drops the breaker in the process that deleted the integration, at once', async () => {
    const integration = await createTestkitIntegration(test, tenant, `gone-${randomUUID()}`);
    await openBreaker(test.hub, integration.id);
    const held = test.hub.breakers.held();

    expect((await remove(integration.id)).status).toBe(204);

    await waitFor('the breaker to go', async () => test.hub.breakers.held() === held - 1);
    expect(test.hub.breakers.state(integration.id)).toBe('closed');
  });

  it('drops it in another process at its next sweep, keeping the breakers of live integrations', async () => {
    const deleted = await createTestkitIntegration(test, tenant, `gone-${randomUUID()}`);
    const live = await createTestkitIntegration(test, tenant, `live-${randomUUID()}`);
    await openBreaker(worker, deleted.id);
    await openBreaker(worker, live.id);

    expect((await remove(deleted.id)).status).toBe(204);
    // The deletion is not heard of here.
    expect(worker.breakers.state(deleted.id)).toBe('open');

    await worker.breakers.forgetGone();

    expect(worker.breakers.state(deleted.id)).toBe('closed');
    expect(worker.breakers.state(live.id)).toBe('open');
  });

  it('sweeps by itself as the breakers of integrations made and deleted pile up', async () => {
    const live = await createTestkitIntegration(test, tenant, `live-${randomUUID()}`);
    await openBreaker(worker, live.id);
    // Integrations called once and gone since (ids no integration has).
    const before = worker.breakers.held();
    for (let i = 0; i < 300; i++) await worker.breakers.run(randomUUID(), async () => 'ok');

    // How many go depends on how many calls the lookup overlaps; that some do is the point.
    await waitFor('a sweep to drop the breakers of gone integrations', async () => worker.breakers.held() < before + 300);
    expect(worker.breakers.state(live.id)).toBe('open');
  });
});

describe('circuit breakers of changed integrations', () => {
  it('keeps an open breaker open through a config change: it judges the upstream, which a change does not mend', async () => {
    const integration = await createTestkitIntegration(test, tenant, `changed-${randomUUID()}`);
    await openBreaker(test.hub, integration.id);

    const patched = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { name: `renamed-${randomUUID()}`, config: { dataset: `moved-${randomUUID()}` } } });
    expect(patched.status).toBe(200);
    // Whatever the change set off has run its course once a sweep of this key is answered.
    await test.hub.breakers.forgetGone([integration.id]);

    expect(test.hub.breakers.state(integration.id)).toBe('open');
  });
});
