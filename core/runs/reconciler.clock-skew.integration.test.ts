import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import type { HubContext } from '../server/hub-context.ts';
import { reconcile } from './reconciler.ts';
import { claimRun, touchRun } from './run.repository.ts';

// Workers on other hosts disagree about the time. A worker whose clock runs behind the reconciling
// worker's by more than the lease kept its run alive with every heartbeat, yet the reconciler saw it
// silent and gave the run to another attempt. Heartbeats are stamped and judged by the database.

const LEASE_SECONDS = 2;

describe.each(RUNTIME_MODES)('reconciler across worker clocks, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'reconcile_skew', ...options, connectors: [...connectors, testkit], workers: false, env: { HUB_RUN_LEASE_SECONDS: String(LEASE_SECONDS) } });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('leaves a run alone whose worker beats with a clock behind the reconciler, and takes it once the beats stop', async () => {
    const integration = await createTestkitIntegration(test, tenant, `skew-${Math.random()}`);
    const queued = await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'incremental', idempotency_key: `skew-${integration.id}`, status: 'queued' })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The worker's clock is 5 s behind, more than the lease.
    const behind: HubContext = { ...test.hub, clock: () => new Date(Date.now() - 5_000) };
    const claimed = await claimRun(behind.db, queued.id, behind.clock());
    expect(claimed).toBeDefined();
    expect(await touchRun(behind.db, claimed!)).toBe(true);

    expect((await reconcile(test.hub)).runsTakenOver).toBe(0);
    const alive = await test.hub.db.selectFrom('integration_runs').select(['status', 'attempts']).where('id', '=', queued.id).executeTakeFirstOrThrow();
    expect(alive).toEqual({ status: 'running', attempts: 1 });

    // Silent for longer than the lease: now it is taken over.
    await new Promise((resolve) => setTimeout(resolve, LEASE_SECONDS * 1000 + 500));
    expect((await reconcile(test.hub)).runsTakenOver).toBe(1);
  });
});
