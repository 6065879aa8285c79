import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import type { HubContext } from '../server/hub-context.ts';
import { releaseHeldRuns } from './run.hold.ts';
import { RUN_QUEUE } from './run.jobs.ts';

// A resume (an API process) puts held runs back on the queue, each retry after what is left of its
// backoff. The retry's due time was written by another process, so what is left of it is measured
// on the database's clock: an API host two minutes behind once held a retry due now for two more.

const TWO_MINUTES_MS = 2 * 60_000;

describe.each(RUNTIME_MODES)('releasing held runs from a process whose clock is behind, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    // No workers: the jobs the release adds stay in the queue, to be counted.
    test = await startTestHub({ label: 'hold_skew', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('queues a held retry that is due now at once, and one due in a minute for then', async () => {
    const integration = await createTestkitIntegration(test, tenant, `hold-skew-${Math.random()}`);
    const retry = async (dueInSeconds: number) =>
      sql`insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, mode, idempotency_key, status, attempts, next_attempt_at)
          values (${tenant.id}::uuid, ${integration.id}::uuid, 'poll', 'items', 'manual', 'incremental', ${`hold-skew-${Math.random()}`}, 'queued', 1,
                  now() + ${dueInSeconds} * interval '1 second')`.execute(test.hub.db);
    await retry(0);
    await retry(60);
    const before = await test.hub.queue.counts(RUN_QUEUE);

    const behind: HubContext = { ...test.hub, clock: () => new Date(Date.now() - TWO_MINUTES_MS) };
    expect(await releaseHeldRuns(behind, integration.id)).toBe(2);

    const after = await test.hub.queue.counts(RUN_QUEUE);
    expect({ waiting: after.waiting - before.waiting, delayed: after.delayed - before.delayed }).toEqual({ waiting: 1, delayed: 1 });
  });
});
