import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, insertPendingEvent } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { rollUpHealth } from '../health/health-rollup.ts';
import { MAX_RUN_ATTEMPTS } from './failure.ts';
import { reconcile } from './reconciler.ts';

// Postgres is the source of truth: work whose queue job vanished (a lost Redis, a dead process)
// is found from the rows and put back on the queue.

describe.each(RUNTIME_MODES)('reconciler on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  const longAgo = () => new Date(Date.now() - 10 * 60_000);

  beforeAll(async () => {
    // The test calls reconcile() itself and reads that pass's report: a background pass (every 15 s
    // by default) between a stale row's insert and that call would settle the row first.
    test = await startTestHub({ label: 'reconcile', ...options, connectors: [...connectors, testkit], workers: true, env: { HUB_RECONCILE_INTERVAL_SECONDS: '86400' } });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('takes over a run whose process died and finishes it from the stored cursor', async () => {
    const dataset = `reconcile-${Math.random()}`;
    testkitUpstream(dataset).records.set('r1', { n: 1 });
    const integration = await createTestkitIntegration(test, tenant, dataset);
    const run = await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'incremental', idempotency_key: `orphan-${dataset}`, status: 'running', started_at: longAgo(), heartbeat_at: longAgo(), attempts: 1 })
      .returningAll()
      .executeTakeFirstOrThrow();
    const report = await reconcile(test.hub);
    expect(report.runsTakenOver).toBeGreaterThanOrEqual(1);
    const done = await waitFor('the orphaned run to finish', async () => {
      const row = await test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow();
      return row.status === 'succeeded' ? row : undefined;
    });
    expect(done).toMatchObject({ attempts: 2, records_new: 1 });
  });

  it('fails a run whose process stopped on the last attempt of its budget, rather than taking it over without end', async () => {
    const integration = await createTestkitIntegration(test, tenant, `interrupted-${Math.random()}`);
    // The third attempt's process died too (killed, out of memory) like the two before it.
    const run = await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'incremental', idempotency_key: `interrupted-${integration.id}`, status: 'running', started_at: longAgo(), heartbeat_at: longAgo(), attempts: MAX_RUN_ATTEMPTS })
      .returningAll()
      .executeTakeFirstOrThrow();
    const report = await reconcile(test.hub);
    expect(report.runsFailedInterrupted).toBe(1);
    const row = await test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', error_code: 'run_interrupted', attempts: MAX_RUN_ATTEMPTS });
    const task = await test.hub.db.selectFrom('tasks').selectAll().where('integration_id', '=', integration.id).executeTakeFirstOrThrow();
    expect(task).toMatchObject({ code: 'run_interrupted', status: 'open', failing_operations: ['poll:items'] });
    const events = await test.hub.db.selectFrom('integration_events').select('type').where('run_id', '=', run.id).execute();
    expect(events).toEqual([{ type: 'failure.run_interrupted' }]);
    // Nothing left for a later pass.
    expect((await reconcile(test.hub)).runsFailedInterrupted).toBe(0);
  });

  it('counts a run it fails for good (run_interrupted) in hub_runs_total as failed, like any final failure', async () => {
    const integration = await createTestkitIntegration(test, tenant, `interrupted-counted-${Math.random()}`);
    const failedPolls = async () => {
      const text = await (await test.request('get', '/metrics')).text();
      const line = text.split('\n').find((l) => l.startsWith('hub_runs_total{connector="testkit",kind="poll",status="failed"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await failedPolls();
    await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'incremental', idempotency_key: `interrupted-${integration.id}`, status: 'running', started_at: longAgo(), heartbeat_at: longAgo(), attempts: MAX_RUN_ATTEMPTS })
      .execute();
    expect((await reconcile(test.hub)).runsFailedInterrupted).toBe(1);
    expect(await failedPolls()).toBe(before + 1);
  });

  it('re-dispatches events left pending when their job was lost, and rolls health up hourly', async () => {
    const source = await createTestkitIntegration(test, tenant, `reconcile-src-${Math.random()}`);
    const sinkData = `reconcile-sink-${Math.random()}`;
    const target = await createTestkitIntegration(test, tenant, sinkData);
    const route = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'lost', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'found {{event.externalId}}' } },
    });
    // As if the webhook committed its event a while ago, the route enabled before it, and the
    // enqueue was lost with Redis.
    const receivedAt = longAgo();
    await test.hub.db.updateTable('routes').set({ enabled_at: new Date(receivedAt.getTime() - 60_000) }).where('id', '=', (await route.json()).id).execute();
    await insertPendingEvent(test, tenant, source.id, 'lost-1', receivedAt);
    expect((await reconcile(test.hub)).eventsRedispatched).toBeGreaterThanOrEqual(1);
    await waitFor('the lost event to be routed', async () => {
      const run = await test.hub.db.selectFrom('integration_runs').select('status').where('integration_id', '=', target.id).where('kind', '=', 'action').executeTakeFirst();
      return run?.status === 'succeeded';
    });
    expect(testkitUpstream(sinkData).actions[0]?.input).toEqual({ message: 'found lost-1' });

    // Roll up the hour the run was queued in, even if the clock has since passed the hour.
    const routed = await test.hub.db.selectFrom('integration_runs').select('queued_at').where('integration_id', '=', target.id).executeTakeFirstOrThrow();
    await rollUpHealth(test.hub, routed.queued_at);
    const rows = await test.hub.db.selectFrom('integration_health_metrics').selectAll().where('integration_id', '=', target.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ runs_total: 1, runs_failed: 0 });
    expect(rows[0]?.hour.getUTCMinutes()).toBe(0);
  });
});
