import { expect } from 'vitest';
import type { TestHub, TestTenant } from './test-hub.ts';
import { waitFor } from './wait-for.ts';

// API helpers shared by the runtime tests that drive testkit integrations.

export async function createTestkitIntegration(test: TestHub, tenant: TestTenant, dataset: string, body: Record<string, unknown> = {}) {
  const response = await test.request('post', '/api/integrations', {
    token: tenant.tokens.admin,
    // Schedules fire at once when set, so tests that drive syncs themselves switch them off.
    body: {
      connector: 'testkit',
      name: `kit-${Math.random().toString(36).slice(2)}`,
      config: { dataset },
      credentials: { auth: { type: 'bearer', token: 'kit-token-123456' }, webhookSecret: 'hook-secret-123' },
      schedules: { items: { enabled: false } },
      ...body,
    },
  });
  expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
  return response.json();
}

export async function syncAndWait(test: TestHub, tenant: TestTenant, integrationId: string, mode: 'incremental' | 'full' = 'incremental') {
  const response = await test.request('post', `/api/integrations/${integrationId}/sync`, { token: tenant.tokens.operator, body: { mode } });
  expect(response.status).toBe(202);
  const { runs } = await response.json();
  return waitRun(test, tenant, runs[0].id);
}

export async function waitRun(test: TestHub, tenant: TestTenant, runId: string) {
  return waitFor(`run ${runId} to finish`, async () => {
    const run = await (await test.request('get', `/api/runs/${runId}`, { token: tenant.tokens.viewer })).json();
    return ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  });
}

/**
 * A webhook event committed and waiting to be routed, as the ingest leaves it, without going
 * through a delivery: tests that drive routing themselves (or lose its job on purpose) start here.
 */
export async function insertPendingEvent(test: TestHub, tenant: TestTenant, integrationId: string, externalId: string, receivedAt?: Date): Promise<string> {
  const event = await test.hub.db
    .insertInto('integration_events')
    .values({
      tenant_id: tenant.id, integration_id: integrationId, source: 'webhook', type: 'finding.created', external_id: externalId,
      payload: '{}', payload_hash: 'h', dedupe_key: `pending-${crypto.randomUUID()}`, status: 'pending',
      ...(receivedAt ? { received_at: receivedAt } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return event.id;
}
