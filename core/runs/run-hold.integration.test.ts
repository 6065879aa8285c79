import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { reconcile } from './reconciler.ts';
import { executeRun } from './run.worker.ts';

// A paused or disabled integration touches no upstream: its queued runs wait, untouched, until it
// is resumed or enabled; only a sync someone asks for by hand while it is paused still runs.

describe.each(RUNTIME_MODES)('runs of a paused integration on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  const longAgo = () => new Date(Date.now() - 10 * 60_000);

  beforeAll(async () => {
    test = await startTestHub({ label: 'run_hold', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const runRow = (id: string) => test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const post = (path: string) => test.request('post', path, { token: tenant.tokens.operator });

  /** A poll of one record whose first attempt failed transiently, its retry queued, and its integration then paused. */
  async function retryHeldByPause(label: string) {
    const dataset = `${label}-${Math.random()}`;
    const upstream = testkitUpstream(dataset);
    upstream.records.set('h1', { v: 1 });
    // Time enough for the pause below to land before the retry is due, on a busy machine too.
    upstream.failures.push({ code: 'upstream_unavailable', retryAfterMs: 2_000, afterPages: 0 });
    const integration = await createTestkitIntegration(test, tenant, dataset);
    const sync = await (await test.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: {} })).json();
    const runId: string = sync.runs[0].id;
    await waitFor('the retry to be queued', async () => (await runRow(runId)).status === 'queued' && (await runRow(runId)).error_code === 'upstream_unavailable');
    expect((await post(`/api/integrations/${integration.id}/pause`)).status).toBe(200);
    return { upstream, integration, runId };
  }

  it('holds a queued retry while paused, also against the reconciler, and runs it after the resume', async () => {
    const { upstream, integration, runId } = await retryHeldByPause('hold-retry');

    // The retry falls due while paused.
    const dueAt = (await runRow(runId)).next_attempt_at?.getTime() ?? Date.now();
    await sleep(Math.max(0, dueAt - Date.now()) + 700);
    // Overdue by far: the reconciler would re-enqueue it, were it not held.
    await test.hub.db.updateTable('integration_runs').set({ next_attempt_at: longAgo() }).where('id', '=', runId).execute();
    await reconcile(test.hub);
    await sleep(500);
    expect(upstream.polls).toBe(1);
    expect(await runRow(runId)).toMatchObject({ status: 'queued', attempts: 1, records_new: 0 });

    // The resume itself puts it back on the queue: no reconcile pass needed.
    expect((await post(`/api/integrations/${integration.id}/resume`)).status).toBe(200);
    await waitFor('the held retry to run', async () => (await runRow(runId)).status === 'succeeded');
    expect(await runRow(runId)).toMatchObject({ attempts: 2, records_new: 1 });
    expect(upstream.polls).toBe(2);
  });

  it('finishes a retry held by a pause of weeks, its latency capped at what the column holds', async () => {
    const { integration, runId } = await retryHeldByPause('hold-weeks');
    // The first attempt started 26 days ago: the pause lasted that long (an integer column holds 24.8 days of milliseconds).
    await test.hub.db.updateTable('integration_runs').set({ started_at: new Date(Date.now() - 26 * 24 * 3_600_000), next_attempt_at: longAgo() }).where('id', '=', runId).execute();

    expect((await post(`/api/integrations/${integration.id}/resume`)).status).toBe(200);
    await waitFor('the held retry to finish', async () => (await runRow(runId)).status !== 'queued' && (await runRow(runId)).finished_at !== null, 20_000);
    expect(await runRow(runId)).toMatchObject({ status: 'succeeded', records_new: 1, latency_ms: 2_147_483_647 });
    const tasks = await test.hub.db.selectFrom('tasks').select('code').where('integration_id', '=', integration.id).execute();
    expect(tasks).toEqual([]);
  });

  it('holds route actions aimed at a paused or disabled target until it is back, then runs each once', async () => {
    for (const [hold, release] of [['pause', 'resume'], ['disable', 'enable']] as const) {
      const source = await createTestkitIntegration(test, tenant, `hold-src-${Math.random()}`);
      const targetData = `hold-dst-${Math.random()}`;
      const target = await createTestkitIntegration(test, tenant, targetData);
      const route = await (
        await test.request('post', '/api/routes', {
          token: tenant.tokens.admin,
          body: { name: `to ${hold}d`, filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'x {{event.externalId}}' } },
        })
      ).json();
      const setEnabled = (enabled: boolean) => test.request('patch', `/api/integrations/${target.id}`, { token: tenant.tokens.admin, body: { enabled } });
      expect((hold === 'pause' ? await post(`/api/integrations/${target.id}/pause`) : await setEnabled(false)).status).toBe(200);

      testkitUpstream(source.config.dataset).records.set('r1', { n: 1 });
      await syncAndWait(test, tenant, source.id);
      const run = await waitFor('the action run to be queued', () => test.hub.db.selectFrom('integration_runs').selectAll().where('route_id', '=', route.id).executeTakeFirst());
      await sleep(1_000);
      expect(testkitUpstream(targetData).actions).toEqual([]);
      expect(await runRow(run.id)).toMatchObject({ status: 'queued', attempts: 0 });

      expect((release === 'resume' ? await post(`/api/integrations/${target.id}/resume`) : await setEnabled(true)).status).toBe(200);
      await waitFor('the held action to run', async () => (await runRow(run.id)).status === 'succeeded');
      expect(testkitUpstream(targetData).actions).toHaveLength(1);
    }
  });

  it('still runs a sync asked for by hand while paused', async () => {
    const dataset = `hold-manual-${Math.random()}`;
    testkitUpstream(dataset).records.set('m1', { v: 1 });
    const integration = await createTestkitIntegration(test, tenant, dataset);
    await post(`/api/integrations/${integration.id}/pause`);
    expect(await syncAndWait(test, tenant, integration.id)).toMatchObject({ status: 'succeeded', records: { seen: 1, new: 1, changed: 0 } });
  });

  it('holds a sync asked for by hand before the integration was disabled, and runs it once enabled', async () => {
    const dataset = `hold-disabled-${Math.random()}`;
    const upstream = testkitUpstream(dataset);
    upstream.records.set('d1', { v: 1 });
    const integration = await createTestkitIntegration(test, tenant, dataset);
    // Asked for before the switch-off, and not reached by a worker yet (as behind a long run).
    const { id: runId } = await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'incremental',
        idempotency_key: `${integration.id}:items:manual:${Math.random()}`, status: 'queued', requested_by: 'operator', queued_at: longAgo(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const pollsBefore = upstream.polls;
    const disabled = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { enabled: false } });
    expect(disabled.status).toBe(200);

    await executeRun(test.hub, runId);
    expect(await runRow(runId)).toMatchObject({ status: 'queued' });
    expect(upstream.polls).toBe(pollsBefore);

    // One asked for while disabled is a person overriding the switch-off on purpose: it runs.
    expect(await syncAndWait(test, tenant, integration.id)).toMatchObject({ status: 'succeeded' });

    const enabled = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { enabled: true } });
    expect(enabled.status).toBe(200);
    await waitFor('the held sync to run', async () => (await runRow(runId)).status === 'succeeded');
  });

  it('keeps the start of a pause when paused again, so a sync asked for during it is not held', async () => {
    const integration = await createTestkitIntegration(test, tenant, `hold-repause-${Math.random()}`);
    expect((await post(`/api/integrations/${integration.id}/pause`)).status).toBe(200);
    const pausedAt = (await test.hub.db.selectFrom('integration_configs').select('paused_at').where('id', '=', integration.id).executeTakeFirstOrThrow()).paused_at;
    await sleep(20);
    expect((await post(`/api/integrations/${integration.id}/pause`)).status).toBe(200);
    const again = await test.hub.db.selectFrom('integration_configs').select('paused_at').where('id', '=', integration.id).executeTakeFirstOrThrow();
    expect(again.paused_at).toEqual(pausedAt);
  });
});
