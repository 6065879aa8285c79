import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import type { HubContext } from '../server/hub-context.ts';

const unavailable = (): Promise<never> => Promise.reject(new ConnectorError('upstream_unavailable', 'GET /x answered 503', { status: 503 }));

/** Ten upstream failures in a row: enough for the default breaker (10 calls, 50 %) to open. */
async function openBreaker(hub: HubContext, integrationId: string): Promise<void> {
  for (let i = 0; i < 10; i++) await hub.breakers.run(integrationId, unavailable).catch(() => undefined);
  expect(hub.breakers.state(integrationId)).toBe('open');
}

describe.each(RUNTIME_MODES)('circuit breaker in health on $name', ({ options }) => {
  let api: TestHub;
  let worker: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    const scaledOut = options.database === 'postgres';
    // Scaled out, the API process makes no upstream calls: the breaker opens in a worker process.
    // Embedded, one process does both.
    api = await startTestHub({ label: 'breaker', ...options, connectors: [...connectors, testkit], workers: !scaledOut });
    worker = scaledOut ? await startTestHub({ label: 'breaker-worker', ...options, connectors: [...connectors, testkit], workers: true, shareDatabaseOf: api }) : api;
    tenant = await api.createTenant('acme');
  });
  afterAll(async () => {
    if (worker !== api) await worker?.close();
    await api?.close();
  });

  const healthOf = async (id: string) => (await (await api.request('get', `/api/integrations/${id}`, { token: tenant.tokens.viewer })).json()).health;

  it('shows a breaker opened by the process making the calls in the API, its health and /metrics', async () => {
    const integration = await createTestkitIntegration(api, tenant, `breaker-${Math.random()}`);
    await openBreaker(worker.hub, integration.id);
    const health = await waitFor('the API to see the open breaker', async () => {
      const current = await healthOf(integration.id);
      return current.breaker === 'open' && current;
    });
    expect(health.status).toBe('failing');
    const metrics = await (await api.request('get', '/metrics')).text();
    expect(metrics).toContain(`hub_integration_breaker{integration_id="${integration.id}",integration="${integration.name}",connector="testkit",environment="production",state="open"} 1`);
  });

  it('counts an open breaker past its reset time as half-open, and a later success as closed', async () => {
    const integration = await createTestkitIntegration(api, tenant, `breaker-${Math.random()}`);
    await openBreaker(worker.hub, integration.id);
    await waitFor('the open breaker to be shared', async () => (await healthOf(integration.id)).breaker === 'open');
    if (worker === api) return; // one process: its own breaker is the truth, and stays open for its reset time
    // The worker that opened it is gone before its breaker half-opened.
    await api.hub.db.updateTable('integration_breakers').set({ reopens_at: new Date(Date.now() - 1_000) }).where('integration_id', '=', integration.id).execute();
    expect((await healthOf(integration.id)).breaker).toBe('half_open');
    // A run that reaches the upstream after the change succeeds: that proves it answers.
    expect(await syncAndWait(api, tenant, integration.id)).toMatchObject({ status: 'succeeded' });
    expect(await healthOf(integration.id)).toMatchObject({ breaker: 'closed', status: 'healthy' });
  });

  it('holds back a process whose own breaker is closed while another holds the integration open, until it closes', async () => {
    if (worker === api) return; // one process: its own breaker is the only one
    const integration = await createTestkitIntegration(api, tenant, `breaker-${Math.random()}`);
    await openBreaker(worker.hub, integration.id);
    let calls = 0;
    const call = () => api.hub.breakers.run(integration.id, async () => void (calls += 1));
    // The API process never failed a call itself, yet refuses fast instead of reaching the upstream.
    const refused = await waitFor('the other process to hold back', async () => call().then(() => undefined, (error: unknown) => error as ConnectorError));
    expect(refused).toMatchObject({ code: 'circuit_open' });
    // …naming what the upstream did, as the worker that opened it recorded it.
    expect(refused?.message).toMatch(/seen by another worker, until .*; the last: upstream_unavailable: GET \/x answered 503$/);
    expect(api.hub.breakers.state(integration.id)).toBe('closed');
    const callsWhileOpen = calls;
    // The process that opened it closes it (its trial call succeeded): the others call again.
    await api.hub.db.updateTable('integration_breakers').set({ state: 'closed', changed_at: new Date(), reopens_at: null }).where('integration_id', '=', integration.id).execute();
    await waitFor('the other process to call again', async () => call().then(() => true, () => false));
    expect(calls).toBeGreaterThan(callsWhileOpen);
  });
});
