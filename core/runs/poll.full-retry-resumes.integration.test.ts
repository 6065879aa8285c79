import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { executePoll } from './poll.executor.ts';
import { reconcile } from './reconciler.ts';
import { claimRun } from './run.repository.ts';

// A `mode: "full"` run reads the stream from the start on its first pass only. A later attempt of
// the same run (a retry after a transient failure, or a take-over after its worker died) goes on
// after the last page an earlier attempt committed, like an incremental run after a crash: read
// from the start again, every committed page would be read twice and counted twice in the run's
// pages and records.seen. Only a cursor saved by the run itself is a place to go on from: when
// another run of the stream moved it in between, the attempt starts over.
// Testkit pages hold two records: six records are three pages.

const RECORDS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];

describe.each(RUNTIME_MODES)('a retried full run on $name', ({ name, options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'full_retry', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('goes on from its last committed page after a transient failure, counting each record once', async () => {
    const dataset = `full-retry-${name}-${Math.random()}`;
    const upstream = testkitUpstream(dataset);
    for (const id of RECORDS) upstream.records.set(id, { n: id });
    const plain = await createTestkitIntegration(test, tenant, dataset);
    const retried = await createTestkitIntegration(test, tenant, dataset);
    const reference = await syncAndWait(test, tenant, plain.id, 'full');

    // Two pages commit, then the third fails transiently and the run is queued again.
    upstream.failures.push({ code: 'network_error', retryAfterMs: 200, afterPages: 2 });
    const polls = upstream.polls;
    const run = await syncAndWait(test, tenant, retried.id, 'full');

    expect(run).toMatchObject({ status: 'succeeded', attempts: 2, pages: 3, records: { seen: 6, new: 6, changed: 0 } });
    expect(upstream.polls - polls).toBe(2);
    expect(run.payloadHash).toBe(reference.payloadHash);
    const cursor = await test.hub.db.selectFrom('integration_cursors').select(['cursor', 'run_id']).where('integration_id', '=', retried.id).executeTakeFirstOrThrow();
    expect(cursor).toEqual({ cursor: { after: 'r6' }, run_id: run.id });
  });
});

describe.each(RUNTIME_MODES)('a full run taken over on $name', ({ name, options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  const longAgo = () => new Date(Date.now() - 10 * 60_000);

  beforeAll(async () => {
    // No workers: the test plays both attempts itself.
    test = await startTestHub({ label: 'full_takeover', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const runRow = (id: string) => test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const integrationRow = (id: string) => test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /**
   * Attempt 1 of a full run commits its first page and stalls before the second (its worker is as
   * good as dead); the reconciler takes the run over, and attempt 2 claims it. Attempt 1 is left
   * stalled, to be woken up by `wake` once the test is done with attempt 2.
   */
  async function stalledAfterFirstPage(dataset: string) {
    const upstream = testkitUpstream(dataset);
    for (const id of RECORDS) upstream.records.set(id, { n: id });
    const integration = await integrationRow((await createTestkitIntegration(test, tenant, dataset)).id);
    const queued = await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'full',
        idempotency_key: `full-takeover-${Math.random()}`, status: 'queued',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const first = await claimRun(test.hub.db, queued.id);
    if (!first) throw new Error('attempt 1 could not claim');
    let wake = () => undefined as void;
    upstream.gate = new Promise<void>((resolve) => (wake = resolve));
    const stalled = executePoll(test.hub, first, integration);
    await waitFor('the first page to commit', async () => (await runRow(queued.id)).pages === 1);

    await test.hub.db.updateTable('integration_runs').set({ heartbeat_at: longAgo() }).where('id', '=', queued.id).execute();
    expect((await reconcile(test.hub)).runsTakenOver).toBeGreaterThanOrEqual(1);
    const second = await claimRun(test.hub.db, queued.id);
    if (!second) throw new Error('attempt 2 could not claim');
    expect([first.attempts, second.attempts]).toEqual([1, 2]);
    delete upstream.gate;
    return {
      integration, second,
      // Attempt 1 wakes up to find the run no longer its own: its next page rolls back.
      wake: async () => {
        wake();
        await stalled;
      },
    };
  }

  it('goes on from the page the dead attempt committed last', async () => {
    const dataset = `full-takeover-${name}-${Math.random()}`;
    const plain = await createTestkitIntegration(test, tenant, dataset);
    const { integration, second, wake } = await stalledAfterFirstPage(dataset);

    await executePoll(test.hub, second, integration);
    await wake();
    const run = await runRow(second.id);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2, pages: 3, records_seen: 6, records_new: 6, records_changed: 0 });

    // The same payload hash as a full run read in one go.
    const reference = await executedFullRun(plain.id);
    expect(reference).toMatchObject({ status: 'succeeded', pages: 3, records_seen: 6 });
    expect(run.payload_hash).toBe(reference.payload_hash);
  });

  it('starts over when another run moved the cursor in between', async () => {
    const dataset = `full-moved-${name}-${Math.random()}`;
    const plain = await createTestkitIntegration(test, tenant, dataset);
    const { integration, second, wake } = await stalledAfterFirstPage(dataset);
    // As if an incremental run of the stream had committed a page while the full run waited.
    await test.hub.db.updateTable('integration_cursors').set({ run_id: crypto.randomUUID() }).where('integration_id', '=', integration.id).execute();

    await executePoll(test.hub, second, integration);
    await wake();
    const run = await runRow(second.id);
    // Its first page counted again: attempt 2 read all three.
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2, pages: 4, records_seen: 8, records_new: 6 });
    // The payload hash starts over with the pass from the start.
    const reference = await executedFullRun(plain.id);
    expect(run.payload_hash).toBe(reference.payload_hash);
  });

  async function executedFullRun(integrationId: string) {
    const queued = await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integrationId, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'full',
        idempotency_key: `full-reference-${Math.random()}`, status: 'queued',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const claimed = await claimRun(test.hub.db, queued.id);
    if (!claimed) throw new Error('the reference run could not claim');
    await executePoll(test.hub, claimed, await integrationRow(integrationId));
    return runRow(queued.id);
  }
});
