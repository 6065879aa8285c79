import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { rollUpHealth } from './health-rollup.ts';

// The rollup runs every few minutes; an hour's last minutes are only folded in after it turns.

describe.each(RUNTIME_MODES)('hourly health rollup on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'rollup', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('folds the end of an hour in at the first pass of the next, and keeps each hour in its own row', async () => {
    const integration = await createTestkitIntegration(test, tenant, `rollup-${Math.random()}`);
    const ten = new Date(Date.UTC(2024, 0, 1, 10));
    const at = (minutes: number) => new Date(ten.getTime() + minutes * 60_000);
    const run = (minutes: number, status: 'succeeded' | 'failed', latencyMs: number) =>
      test.hub.db.insertInto('integration_runs').values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'incremental',
        idempotency_key: `rollup-${Math.random()}`, status, queued_at: at(minutes), started_at: at(minutes), finished_at: at(minutes + 1),
        latency_ms: latencyMs, records_seen: 2,
      }).execute();
    const hourRow = async (hour: Date) =>
      test.hub.db.selectFrom('integration_health_metrics').selectAll().where('integration_id', '=', integration.id).where('hour', '=', hour).executeTakeFirst();

    await run(10, 'succeeded', 1_000);
    await rollUpHealth(test.hub, at(56));
    expect(await hourRow(ten)).toMatchObject({ runs_total: 1, runs_failed: 0 });

    // After the 10:56 pass, before 11:00; then one run in hour 11.
    await run(57, 'failed', 3_000);
    await run(58, 'failed', 5_000);
    await run(62, 'succeeded', 7_000);
    await rollUpHealth(test.hub, at(61));
    expect(await hourRow(ten)).toMatchObject({ runs_total: 3, runs_failed: 2, records: 6 });
    expect(await hourRow(at(60))).toMatchObject({ runs_total: 1, runs_failed: 0, records: 2, p95_latency_ms: 7_000 });
  });
});
