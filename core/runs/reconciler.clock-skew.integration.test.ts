import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
// So is everything else a pass compares with times other processes wrote: when a queued run or a
// pending event counts as lost, and when a run taken over is due again.

const LEASE_SECONDS = 2;
const TWO_MINUTES_MS = 2 * 60_000;

/** The same hub, as a worker on a host whose clock is `skewMs` off the database's. */
function skewed(hub: HubContext, skewMs: number): HubContext {
  return { ...hub, clock: () => new Date(Date.now() + skewMs) };
}

describe.each(RUNTIME_MODES)('reconciler across worker clocks, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'reconcile_skew', ...options, connectors: [...connectors, testkit], workers: false, env: { HUB_RUN_LEASE_SECONDS: String(LEASE_SECONDS) } });
    tenant = await test.createTenant('acme');
  });
  afterEach(async () => {
    // Each test counts what one pass finds: nothing a test left unfinished is found by the next.
    await test.hub.db.updateTable('integration_runs').set({ status: 'cancelled' }).where('status', 'in', ['queued', 'running']).execute();
    await test.hub.db.updateTable('integration_events').set({ status: 'processed' }).where('status', '=', 'pending').execute();
  });
  afterAll(async () => {
    await test?.close();
  });

  async function queueRun(integrationId: string, queuedSecondsAgo = 0, kind: 'poll' | 'check' = 'poll'): Promise<string> {
    const { rows } = await sql<{ id: string }>`
      insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, mode, idempotency_key, status, queued_at)
      values (${tenant.id}::uuid, ${integrationId}::uuid, ${kind}, 'items', 'manual', 'incremental', ${`skew-${Math.random()}`}, 'queued',
              now() - ${queuedSecondsAgo} * interval '1 second')
      returning id`.execute(test.hub.db);
    return rows[0]!.id;
  }

  async function receiveEvent(integrationId: string, receivedSecondsAgo = 0): Promise<void> {
    await sql`
      insert into integration_events (tenant_id, integration_id, source, type, external_id, payload, payload_hash, dedupe_key, status, received_at)
      values (${tenant.id}::uuid, ${integrationId}::uuid, 'webhook', 'item.updated', 'x', '{}'::jsonb, 'hash', ${`skew-${Math.random()}`}, 'pending',
              now() - ${receivedSecondsAgo} * interval '1 second')`.execute(test.hub.db);
  }

  it('leaves a run alone whose worker beats with a clock behind the reconciler, and takes it once the beats stop', async () => {
    const integration = await createTestkitIntegration(test, tenant, `skew-${Math.random()}`);
    const queued = await queueRun(integration.id);
    // The worker's clock is 5 s behind, more than the lease.
    const behind = skewed(test.hub, -5_000);
    const claimed = await claimRun(behind.db, queued);
    expect(claimed).toBeDefined();
    expect(await touchRun(behind.db, claimed!)).toBe(true);

    expect((await reconcile(test.hub)).runsTakenOver).toBe(0);
    const alive = await test.hub.db.selectFrom('integration_runs').select(['status', 'attempts']).where('id', '=', queued).executeTakeFirstOrThrow();
    expect(alive).toEqual({ status: 'running', attempts: 1 });

    // Silent for longer than the lease: now it is taken over.
    await new Promise((resolve) => setTimeout(resolve, LEASE_SECONDS * 1000 + 500));
    expect((await reconcile(test.hub)).runsTakenOver).toBe(1);
  });

  it('takes no run queued or event received a moment ago for lost when its own clock is two minutes ahead', async () => {
    const integration = await createTestkitIntegration(test, tenant, `skew-${Math.random()}`);
    await queueRun(integration.id);
    await receiveEvent(integration.id);

    const report = await reconcile(skewed(test.hub, TWO_MINUTES_MS));
    expect({ runsRequeued: report.runsRequeued, eventsRedispatched: report.eventsRedispatched }).toEqual({ runsRequeued: 0, eventsRedispatched: 0 });
  });

  it('finds runs and events overdue by a lease, and a dead check, when its own clock is two minutes behind', async () => {
    const integration = await createTestkitIntegration(test, tenant, `skew-${Math.random()}`);
    await queueRun(integration.id, 10);
    await receiveEvent(integration.id, 10);
    const check = await queueRun(integration.id, 10, 'check');
    await sql`update integration_runs set status = 'running', attempts = 1, started_at = now() - interval '10 seconds', heartbeat_at = now() - interval '10 seconds'
              where id = ${check}::uuid`.execute(test.hub.db);

    const report = await reconcile(skewed(test.hub, -TWO_MINUTES_MS));
    expect({ runsRequeued: report.runsRequeued, eventsRedispatched: report.eventsRedispatched }).toEqual({ runsRequeued: 1, eventsRedispatched: 1 });
    // Its end is not written two minutes before its start.
    const { rows } = await sql<{ status: string; ends_after_start: boolean }>`
      select status, finished_at >= started_at as ends_after_start from integration_runs where id = ${check}::uuid`.execute(test.hub.db);
    expect(rows[0]).toEqual({ status: 'cancelled', ends_after_start: true });
  });

  it('hands a run it takes over with its clock two minutes ahead to the next worker at once', async () => {
    const integration = await createTestkitIntegration(test, tenant, `skew-${Math.random()}`);
    const run = await queueRun(integration.id);
    expect(await claimRun(test.hub.db, run)).toBeDefined();
    // Its worker died a while ago.
    await sql`update integration_runs set heartbeat_at = now() - interval '10 seconds' where id = ${run}::uuid`.execute(test.hub.db);

    expect((await reconcile(skewed(test.hub, TWO_MINUTES_MS))).runsTakenOver).toBe(1);
    // A worker on the database's time claims it when its job comes, not two minutes later.
    expect(await claimRun(test.hub.db, run)).toMatchObject({ id: run, status: 'running', attempts: 2 });
  });
});
