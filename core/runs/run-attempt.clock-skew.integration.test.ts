import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import type { HubContext } from '../server/hub-context.ts';
import { RUN_QUEUE } from './run.jobs.ts';
import { handleRunError } from './run.settle.ts';
import { executeRun } from './run.worker.ts';

// A run's retry due time is written by the worker whose attempt failed and read by whichever
// worker gets the next job; its start by one worker, its end by another, perhaps. Every one of
// these is stamped and judged by the database's clock: a worker two minutes behind the one that
// set a retry once held it two more minutes, one ahead ignored a Retry-After, and a run started on
// one host and finished on another showed an end before its start.

const TWO_MINUTES_MS = 2 * 60_000;

/** The same hub, as a worker on a host whose clock is `skewMs` off the database's. */
function skewed(hub: HubContext, skewMs: number): HubContext {
  return { ...hub, clock: () => new Date(Date.now() + skewMs) };
}

describe.each(RUNTIME_MODES)('run attempts on workers whose clocks are off, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    // No workers: the test's own calls are the only attempts, and jobs they queue stay to be counted.
    test = await startTestHub({ label: 'attempt_skew', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  async function integrationWithRecord(): Promise<{ id: string; dataset: string }> {
    const dataset = `attempt-skew-${Math.random()}`;
    testkitUpstream(dataset).records.set('a', { v: 1 });
    const integration = await createTestkitIntegration(test, tenant, dataset);
    return { id: integration.id, dataset };
  }

  /** A queued manual poll, on its `attempts`-th try so far, due `dueInSeconds` from now by the database. */
  async function queueRun(integrationId: string, attempts: number, dueInSeconds: number | null, status = 'queued'): Promise<string> {
    const { rows } = await sql<{ id: string }>`
      insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, mode, idempotency_key, status, attempts, next_attempt_at)
      values (${tenant.id}::uuid, ${integrationId}::uuid, 'poll', 'items', 'manual', 'incremental', ${`attempt-skew-${Math.random()}`}, ${status}, ${attempts},
              ${dueInSeconds === null ? null : sql`now() + ${dueInSeconds} * interval '1 second'`})
      returning id`.execute(test.hub.db);
    return rows[0]!.id;
  }

  async function runRow(id: string) {
    return test.hub.db.selectFrom('integration_runs').select(['status', 'attempts']).where('id', '=', id).executeTakeFirstOrThrow();
  }

  it('starts a retry due now by the database from a worker whose clock is two minutes behind', async () => {
    const integration = await integrationWithRecord();
    const run = await queueRun(integration.id, 1, -1);

    await executeRun(skewed(test.hub, -TWO_MINUTES_MS), run);

    expect(await runRow(run)).toEqual({ status: 'succeeded', attempts: 2 });
  });

  it('holds a retry due in a minute from a worker whose clock is two minutes ahead, and queues its job for then', async () => {
    const integration = await integrationWithRecord();
    const run = await queueRun(integration.id, 1, 60);
    const before = await test.hub.queue.counts(RUN_QUEUE);

    await executeRun(skewed(test.hub, TWO_MINUTES_MS), run);

    expect(await runRow(run)).toEqual({ status: 'queued', attempts: 1 });
    const after = await test.hub.queue.counts(RUN_QUEUE);
    expect({ waiting: after.waiting - before.waiting, delayed: after.delayed - before.delayed }).toEqual({ waiting: 0, delayed: 1 });
  });

  it('makes a retry and a busy stream’s wait due by the database’s clock, from a worker two minutes ahead', async () => {
    const ahead = skewed(test.hub, TWO_MINUTES_MS);
    // An attempt rate limited, asked to come back in 10 s.
    const limitedIntegration = await integrationWithRecord();
    const limited = await queueRun(limitedIntegration.id, 1, null, 'running');
    const limitedRow = await test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', limited).executeTakeFirstOrThrow();
    const integrationRow = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', limitedIntegration.id).executeTakeFirstOrThrow();
    await handleRunError(ahead, limitedRow, integrationRow, new ConnectorError('rate_limited', 'slow down', { retryAfterMs: 10_000 }));
    // A run of a stream that another run is running: it tries again in 2 s.
    const busyIntegration = await integrationWithRecord();
    await queueRun(busyIntegration.id, 1, null, 'running');
    const blocked = await queueRun(busyIntegration.id, 0, null);
    await executeRun(ahead, blocked);

    const { rows } = await sql<{ id: string; due_in_ms: number }>`
      select id, (extract(epoch from next_attempt_at - now()) * 1000)::float8 as due_in_ms
      from integration_runs where id in (${limited}::uuid, ${blocked}::uuid) and status = 'queued'`.execute(test.hub.db);
    const dueInMs = Object.fromEntries(rows.map((row) => [row.id === blocked ? 'blocked' : 'limited', Number(row.due_in_ms)]));
    expect(dueInMs.limited).toBeLessThanOrEqual(10_000);
    expect(dueInMs.limited).toBeGreaterThan(0);
    expect(dueInMs.blocked).toBeLessThanOrEqual(2_000);
  });

  it('stamps a run’s start and end, and measures its latency, by the database’s clock', async () => {
    const integration = await integrationWithRecord();
    const run = await queueRun(integration.id, 0, null);

    await executeRun(skewed(test.hub, TWO_MINUTES_MS), run);

    const { rows } = await sql<{ status: string; in_order: boolean; latency_matches: boolean }>`
      select status,
             queued_at <= started_at and started_at <= finished_at and finished_at <= now() as in_order,
             abs(latency_ms - extract(epoch from finished_at - started_at) * 1000) <= 1 as latency_matches
      from integration_runs where id = ${run}::uuid`.execute(test.hub.db);
    expect(rows[0]).toEqual({ status: 'succeeded', in_order: true, latency_matches: true });
  });
});
