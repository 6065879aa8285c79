import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { reconcile } from './reconciler.ts';

// The reconciler takes a queued run overdue by a lease for one whose job is gone. Under a backlog
// the job is only waiting, and the run gets a second job. When the first job's attempt is rate
// limited, the run is queued again for its Retry-After: the second job must not start it early.

// Short, so a backlog outlasts it; long enough that the blocker's heartbeats (every third of it) hold on a loaded machine.
const LEASE_SECONDS = 3;
const RETRY_AFTER_MS = 30_000;

describe.each(RUNTIME_MODES)('a rate-limited run with a second job from a backlog longer than a lease ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({
      label: 'run_retry_due',
      ...options,
      connectors: [...connectors, testkit],
      workers: true,
      // One run at a time, so a long run makes a backlog; reconcile passes are the test's own.
      env: { HUB_RUN_LEASE_SECONDS: String(LEASE_SECONDS), HUB_WORKER_CONCURRENCY: '1', HUB_RECONCILE_INTERVAL_SECONDS: '86400' },
    });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('waits out the Retry-After instead of polling the upstream again at once', async () => {
    // A long sync holds the only worker slot of the runs queue.
    const blockerData = `blocker-${Math.random()}`;
    const blockerUpstream = testkitUpstream(blockerData);
    blockerUpstream.records.set('a', { v: 1 });
    let release!: () => void;
    blockerUpstream.gate = new Promise<void>((resolve) => (release = resolve));
    const blocker = await createTestkitIntegration(test, tenant, blockerData);
    expect((await test.request('post', `/api/integrations/${blocker.id}/sync`, { token: tenant.tokens.operator, body: {} })).status).toBe(202);
    await waitFor('the blocker to run', async () => blockerUpstream.polls > 0);

    // A sync queued behind it; its upstream answers 429 with Retry-After 30 s.
    const data = `limited-${Math.random()}`;
    const upstream = testkitUpstream(data);
    upstream.records.set('x', { v: 1 });
    upstream.failures.push({ code: 'rate_limited', retryAfterMs: RETRY_AFTER_MS });
    const limited = await createTestkitIntegration(test, tenant, data);
    const response = await test.request('post', `/api/integrations/${limited.id}/sync`, { token: tenant.tokens.operator, body: {} });
    const runId = (await response.json()).runs[0].id as string;

    // The backlog outlasts a lease; a reconcile pass runs meanwhile.
    await sleep(LEASE_SECONDS * 1000 + 500);
    const report = await reconcile(test.hub);
    expect(report.runsRequeued).toBeGreaterThanOrEqual(1);
    release();

    await waitFor('the first attempt to be rate limited', async () => upstream.polls >= 1);
    await sleep(3_000);
    const row = await test.hub.db.selectFrom('integration_runs').select(['status', 'attempts', 'next_attempt_at']).where('id', '=', runId).executeTakeFirstOrThrow();
    // One poll so far: the upstream asked for 30 s.
    expect({ polls: upstream.polls, attempts: row.attempts }).toEqual({ polls: 1, attempts: 1 });
  });
});
