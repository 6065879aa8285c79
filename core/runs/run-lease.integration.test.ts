import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { executeAction } from '../routes/action.executor.ts';
import { executePoll } from './poll.executor.ts';
import { reconcile } from './reconciler.ts';
import { claimRun, finishRun, requeueRun, touchRun } from './run.repository.ts';

// A running run holds a lease: its heartbeat keeps the reconciler away however long it runs, and
// an attempt that lost the run (its heartbeat stalled, the reconciler gave the run to another
// attempt) can write nothing to it: no pages, no finish, no retry, no task.

// The lease is 2 s, beaten every ~0.7 s: a loaded machine may delay a beat by a second without the
// reconciler taking the run, and the action still outlasts two leases.
const LEASE_SECONDS = 2;
const SLOW_ACTION_MS = 5_000;
const slowEffects: string[] = [];
const slowkit = {
  ...testkit,
  id: 'slowkit',
  actions: {
    record: {
      ...testkit.actions?.['record'],
      // Longer than the lease: a Slack post waiting out a Retry-After, a slow ticketing API.
      async run(_ctx: unknown, _input: unknown, meta: { idempotencyKey: string }) {
        await sleep(SLOW_ACTION_MS);
        slowEffects.push(meta.idempotencyKey);
        return { externalId: `slow-${slowEffects.length}` };
      },
    },
  },
} as unknown as AnyConnector;

describe.each(RUNTIME_MODES)('run lease on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({
      label: 'run_lease',
      ...options,
      connectors: [...connectors, testkit, slowkit],
      workers: true,
      env: { HUB_RUN_LEASE_SECONDS: String(LEASE_SECONDS), HUB_RECONCILE_INTERVAL_SECONDS: '1' },
    });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('runs an action that outlasts the lease once, in one attempt', async () => {
    const source = await createTestkitIntegration(test, tenant, `lease-src-${Math.random()}`);
    const target = await createTestkitIntegration(test, tenant, `lease-dst-${Math.random()}`, { connector: 'slowkit' });
    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'slow', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'hi {{event.externalId}}' } },
    });
    expect(created.status).toBe(201);
    testkitUpstream(source.config.dataset).records.set('s1', { v: 1 });
    await syncAndWait(test, tenant, source.id);
    const run = await waitFor('the slow action to finish', async () => {
      const row = await test.hub.db.selectFrom('integration_runs').selectAll().where('integration_id', '=', target.id).where('kind', '=', 'action').executeTakeFirst();
      return row?.status === 'succeeded' ? row : undefined;
    }, 20_000);
    // Two more leases for a second attempt, had there been one, to show itself.
    await sleep(2 * LEASE_SECONDS * 1000);
    expect(slowEffects.filter((key) => key === run.idempotency_key)).toHaveLength(1);
    const final = await test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow();
    expect(final).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});

describe.each(RUNTIME_MODES)('an attempt that lost its run on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  const longAgo = () => new Date(Date.now() - 10 * 60_000);

  beforeAll(async () => {
    // No workers: the test plays both attempts itself.
    test = await startTestHub({ label: 'run_fence', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  /** Attempt 1 claims the run, its heartbeat stalls, the reconciler takes over, attempt 2 claims. */
  async function takenOver(values: { integrationId: string; kind: 'poll' | 'action'; stream?: string; action?: string; input?: unknown }) {
    const queued = await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id,
        integration_id: values.integrationId,
        kind: values.kind,
        stream: values.stream ?? null,
        action: values.action ?? null,
        input: values.input === undefined ? null : JSON.stringify(values.input),
        trigger: 'manual',
        mode: values.kind === 'poll' ? 'incremental' : null,
        idempotency_key: `fence-${Math.random()}`,
        status: 'queued',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const first = await claimRun(test.hub.db, queued.id);
    if (!first) throw new Error('attempt 1 could not claim');
    await test.hub.db.updateTable('integration_runs').set({ heartbeat_at: longAgo() }).where('id', '=', queued.id).execute();
    expect((await reconcile(test.hub)).runsTakenOver).toBeGreaterThanOrEqual(1);
    const second = await claimRun(test.hub.db, queued.id);
    if (!second) throw new Error('attempt 2 could not claim');
    expect([first.attempts, second.attempts]).toEqual([1, 2]);
    return { first, second };
  }

  const integrationRow = (id: string) => test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const runRow = (id: string) => test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('stores no page of a poll, and finishes, retries or touches nothing', async () => {
    const dataset = `fence-poll-${Math.random()}`;
    testkitUpstream(dataset).records.set('f1', { n: 1 });
    const integration = await integrationRow((await createTestkitIntegration(test, tenant, dataset)).id);
    const { first, second } = await takenOver({ integrationId: integration.id, kind: 'poll', stream: 'items' });

    await executePoll(test.hub, first, integration);
    expect(await runRow(first.id)).toMatchObject({ status: 'running', attempts: 2, pages: 0, finished_at: null });
    expect(await test.hub.db.selectFrom('integration_records').select('external_id').where('integration_id', '=', integration.id).execute()).toEqual([]);
    expect(await test.hub.db.selectFrom('integration_cursors').select('cursor').where('integration_id', '=', integration.id).execute()).toEqual([]);
    expect(await touchRun(test.hub.db, first)).toBe(false);
    expect(await requeueRun(test.hub.db, first, 0, { code: 'network_error', message: 'late' })).toBe(false);
    expect(await finishRun(test.hub.db, first, { status: 'failed' })).toBeUndefined();

    // The attempt that holds the run finishes it.
    await executePoll(test.hub, second, integration);
    expect(await runRow(second.id)).toMatchObject({ status: 'succeeded', attempts: 2, records_new: 1 });
  });

  it('opens no task and records no failure for a failed action', async () => {
    const dataset = `fence-action-${Math.random()}`;
    testkitUpstream(dataset).failures.push({ code: 'permission_denied' });
    const integration = await integrationRow((await createTestkitIntegration(test, tenant, dataset)).id);
    const { first } = await takenOver({ integrationId: integration.id, kind: 'action', action: 'record', input: { message: 'late' } });

    await executeAction(test.hub, first, integration);
    expect(await runRow(first.id)).toMatchObject({ status: 'running', attempts: 2, error_code: null });
    expect(await test.hub.db.selectFrom('tasks').select('id').where('integration_id', '=', integration.id).execute()).toEqual([]);
    expect(await test.hub.db.selectFrom('integration_events').select('id').where('integration_id', '=', integration.id).execute()).toEqual([]);
  });
});
