import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { executeRun, runScheduledPoll } from './run.worker.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { UNOFFERED_GRACE_MS } from './run-offered.ts';
import { POLL_QUEUE, pollScheduleId } from '../scheduler/schedule.service.ts';

// During a rolling upgrade processes of two versions share the run and poll queues. A process of
// the previous version that takes up a run of a connector only the new version offers leaves it to
// a process that can run it, for as long as an upgrade may take, instead of settling it for good
// (a poll cancelled, a route action failed config_invalid with a task).
//
// Here `newer` offers the testkit connector (the new version), `older` does not (the previous one).

describe('a worker of the previous version during a rolling upgrade', () => {
  let newer: TestHub;
  let older: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    newer = await startTestHub({ label: 'pollrun_upgrade_new', connectors: [...connectors, testkit] });
    older = await startTestHub({ label: 'pollrun_upgrade_old', connectors, shareDatabaseOf: newer });
    tenant = await newer.createTenant('acme');
  });
  afterAll(async () => {
    await older?.close();
    await newer?.close();
  });

  const runRow = (id: string) => newer.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('leaves a manual sync of a connector it does not offer to the new version instead of cancelling it', async () => {
    const dataset = `upgrade-${Math.random()}`;
    testkitUpstream(dataset).records.set('r1', { n: 1 });
    const integration = await createTestkitIntegration(newer, tenant, dataset);
    const synced = await newer.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: {} });
    expect(synced.status).toBe(202);
    const [queued] = (await synced.json()).runs;

    // The old worker takes the run's job off the shared queue.
    await executeRun(older.hub, queued.id);

    const run = await runRow(queued.id);
    expect({ status: run.status, error: run.error_message }).toEqual({ status: 'queued', error: null });
  });

  it('judges the grace by the database clock: a worker whose clock runs past it still leaves a fresh run', async () => {
    const dataset = `upgrade-skew-${Math.random()}`;
    const integration = await createTestkitIntegration(newer, tenant, dataset);
    const synced = await newer.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: {} });
    const [queued] = (await synced.json()).runs;

    const ahead = { ...older.hub, clock: () => new Date(Date.now() + UNOFFERED_GRACE_MS + 60_000) };
    await executeRun(ahead, queued.id);

    const run = await runRow(queued.id);
    expect({ status: run.status, error: run.error_message }).toEqual({ status: 'queued', error: null });
  });

  it('does not turn a scheduled fire of such a connector into a cancelled run', async () => {
    const dataset = `upgrade-fire-${Math.random()}`;
    const integration = await createTestkitIntegration(newer, tenant, dataset, { schedules: { items: { everySeconds: 3600 } } });
    await runScheduledPoll(older.hub, { integrationId: integration.id, stream: 'items', everyMs: 3_600_000, windowsFrom: Date.now() });
    const runs = await newer.hub.db.selectFrom('integration_runs').select(['status', 'error_message']).where('integration_id', '=', integration.id).execute();
    expect(runs.filter((run) => run.status === 'cancelled')).toEqual([]);
  });

  it('does not fail a route action of such a connector with config_invalid and a task', async () => {
    const dataset = `upgrade-action-${Math.random()}`;
    const integration = await createTestkitIntegration(newer, tenant, dataset);
    const queued = await newer.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'action', action: 'record', trigger: 'route',
        input: JSON.stringify({ message: 'hello' }), idempotency_key: `upgrade-action-${Math.random()}`, status: 'queued',
      })
      .returningAll()
      .executeTakeFirstOrThrow();

    await executeRun(older.hub, queued.id);

    const run = await runRow(queued.id);
    const tasks = await newer.hub.db.selectFrom('tasks').select(['code']).where('integration_id', '=', integration.id).execute();
    expect({ status: run.status, code: run.error_code, tasks }).toEqual({ status: 'queued', code: null, tasks: [] });
  });

  it('settles such a run as before once it has waited longer than an upgrade takes', async () => {
    const dataset = `upgrade-gone-${Math.random()}`;
    const integration = await createTestkitIntegration(newer, tenant, dataset);
    const synced = await newer.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: {} });
    const [queued] = (await synced.json()).runs;
    await sql`update integration_runs set queued_at = ${new Date(Date.now() - UNOFFERED_GRACE_MS - 60_000)} where id = ${queued.id}`.execute(newer.hub.db);

    await executeRun(older.hub, queued.id);

    expect(await runRow(queued.id)).toMatchObject({ status: 'cancelled', error_message: 'stream items is not offered by testkit' });
  });
});

describe('a scheduled poll that no process offers (a rollback)', () => {
  it('is cancelled once it has waited longer than an upgrade takes, and its schedule goes with it', async () => {
    const newer = await startTestHub({ label: 'pollrun_rollback_new', queue: 'bullmq', connectors: [...connectors, testkit] });
    const older = await startTestHub({ label: 'pollrun_rollback_old', queue: 'bullmq', connectors, shareDatabaseOf: newer });
    try {
      const tenant = await newer.createTenant('acme');
      const integration = await createTestkitIntegration(newer, tenant, `rollback-${Math.random()}`, { schedules: { items: { everySeconds: 3600 } } });
      const scheduled = async () => (await older.hub.queue.listSchedules(POLL_QUEUE)).map((schedule) => schedule.id);
      expect(await scheduled()).toContain(pollScheduleId(integration.id, 'items'));
      const queued = await newer.hub.db
        .insertInto('integration_runs')
        .values({ tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'schedule', idempotency_key: `rollback-${Math.random()}`, status: 'queued', queued_at: new Date(Date.now() - UNOFFERED_GRACE_MS - 60_000) })
        .returningAll()
        .executeTakeFirstOrThrow();

      await executeRun(older.hub, queued.id);

      expect(await newer.hub.db.selectFrom('integration_runs').select('status').where('id', '=', queued.id).executeTakeFirstOrThrow()).toEqual({ status: 'cancelled' });
      expect(await scheduled()).not.toContain(pollScheduleId(integration.id, 'items'));
    } finally {
      await older.close();
      await newer.close();
    }
  });
});
