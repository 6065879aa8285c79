import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { requeueFailedAction } from '../runs/run.repository.ts';
import { rollUpHealth } from './health-rollup.ts';

// The rollup runs every few minutes; an hour's last minutes are only folded in after it turns.

describe.each(RUNTIME_MODES)('hourly health rollup on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'rollup', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  /** A route action that failed for good a minute after `queuedAt`, on its third attempt. */
  const failedAction = (integrationId: string, queuedAt: Date) =>
    test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integrationId, kind: 'action', trigger: 'route', action: 'record', input: JSON.stringify({ message: 'x' }),
        idempotency_key: `route:r:${crypto.randomUUID()}`, status: 'failed', error_code: 'upstream_unavailable',
        queued_at: queuedAt, started_at: queuedAt, finished_at: new Date(queuedAt.getTime() + 60_000), latency_ms: 60_000, attempts: 3,
      })
      .returningAll()
      .executeTakeFirstOrThrow();

  it('folds the end of an hour in at the first pass of the next, and keeps each hour in its own row', async () => {
    const integration = await createTestkitIntegration(test, tenant, `rollup-${Math.random()}`);
    const ten = new Date(Date.UTC(2024, 0, 1, 10));
    const at = (minutes: number) => new Date(ten.getTime() + minutes * 60_000);
    const run = (minutes: number, status: 'succeeded' | 'failed', latencyMs: number) =>
      test.hub.db.insertInto('integration_runs').values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'incremental',
        idempotency_key: `rollup-${Math.random()}`, status, queued_at: at(minutes), started_at: at(minutes), finished_at: at(minutes + 1),
        latency_ms: latencyMs, records_seen: 2,
      }).execute();
    const hourRow = async (hour: Date) =>
      test.hub.db.selectFrom('integration_health_metrics').selectAll().where('integration_id', '=', integration.id).where('hour', '=', hour).executeTakeFirst();

    await run(10, 'succeeded', 1_000);
    await rollUpHealth(test.hub, at(56));
    expect(await hourRow(ten)).toMatchObject({ runs_total: 1, runs_failed: 0 });

    // After the 10:56 pass, before 11:00; then one run in hour 11.
    await run(57, 'failed', 3_000);
    await run(58, 'failed', 5_000);
    await run(62, 'succeeded', 7_000);
    await rollUpHealth(test.hub, at(61));
    expect(await hourRow(ten)).toMatchObject({ runs_total: 3, runs_failed: 2, records: 6 });
    expect(await hourRow(at(60))).toMatchObject({ runs_total: 1, runs_failed: 0, records: 2, p95_latency_ms: 7_000 });
  });

  it('counts a run in the hour it finished, however long after it was queued', async () => {
    const integration = await createTestkitIntegration(test, tenant, `rollup-late-${Math.random()}`);
    // Its own day, before the other tests' hours: passes only ever move forward in time.
    const nine = new Date(Date.UTC(2023, 5, 1, 9));
    const at = (minutes: number) => new Date(nine.getTime() + minutes * 60_000);
    const { id } = await test.hub.db.insertInto('integration_runs').values({
      tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'schedule', mode: 'incremental',
      idempotency_key: `rollup-late-${Math.random()}`, status: 'running', queued_at: at(50), started_at: at(50),
    }).returning('id').executeTakeFirstOrThrow();
    // Passes every five minutes while it retries (backoff, a Retry-After, a pause) ...
    for (let minute = 55; minute <= 125; minute += 5) await rollUpHealth(test.hub, at(minute));
    // ... until it fails for good at 11:07.
    await test.hub.db.updateTable('integration_runs').set({ status: 'failed', finished_at: at(127), latency_ms: 77 * 60_000 }).where('id', '=', id).execute();
    await rollUpHealth(test.hub, at(130));
    const rows = await test.hub.db.selectFrom('integration_health_metrics').select(['hour', 'runs_total', 'runs_failed']).where('integration_id', '=', integration.id).execute();
    expect(rows).toEqual([{ hour: at(120), runs_total: 1, runs_failed: 1 }]);
  });

  it('catches up on the hours it missed while no pass ran (workers down)', async () => {
    const integration = await createTestkitIntegration(test, tenant, `rollup-gap-${Math.random()}`);
    const eight = new Date(Date.UTC(2022, 5, 1, 8));
    const at = (minutes: number) => new Date(eight.getTime() + minutes * 60_000);
    const finishedRun = (minutes: number) =>
      test.hub.db.insertInto('integration_runs').values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'schedule', mode: 'incremental',
        idempotency_key: `rollup-gap-${Math.random()}`, status: 'failed', queued_at: at(minutes), started_at: at(minutes), finished_at: at(minutes + 1), latency_ms: 60_000,
      }).execute();
    await finishedRun(10);
    await rollUpHealth(test.hub, at(50));
    // Finished after the 8:50 pass; the next pass comes at 10:03.
    await finishedRun(52);
    await finishedRun(75);
    await rollUpHealth(test.hub, at(123));
    const rows = await test.hub.db.selectFrom('integration_health_metrics').select(['hour', 'runs_total']).where('integration_id', '=', integration.id).orderBy('hour').execute();
    expect(rows).toEqual([{ hour: eight, runs_total: 2 }, { hour: at(60), runs_total: 1 }]);
  });

  it('counts a replayed action once, in the hour its replay finished, not also in the hour it first failed', async () => {
    const target = await createTestkitIntegration(test, tenant, `rollup-replay-${Math.random()}`);
    const ten = new Date(Date.UTC(2024, 0, 2, 10));
    const at = (minutes: number) => new Date(ten.getTime() + minutes * 60_000);
    const run = await failedAction(target.id, at(1));
    await rollUpHealth(test.hub, at(5));

    // Replayed, it succeeds in the next hour: the same run row, finished once more.
    expect(await requeueFailedAction(test.hub.db, run.id, { integrationId: target.id, action: 'record', input: { message: 'x' } })).toBe(true);
    await test.hub.db.updateTable('integration_runs').set({ status: 'succeeded', started_at: at(61), finished_at: at(62), latency_ms: 60_000, attempts: 4 }).where('id', '=', run.id).execute();
    await rollUpHealth(test.hub, at(65));

    const rows = await test.hub.db.selectFrom('integration_health_metrics').select(['hour', 'runs_total', 'runs_failed']).where('integration_id', '=', target.id).orderBy('hour').execute();
    expect(rows).toEqual([{ hour: at(60), runs_total: 1, runs_failed: 0 }]);
  });

  it('takes a replayed action out of the hour it failed in when replayed hours later, past the hours the passes redo', async () => {
    const busy = await createTestkitIntegration(test, tenant, `rollup-busy-${Math.random()}`);
    const target = await createTestkitIntegration(test, tenant, `rollup-late-replay-${Math.random()}`);
    const six = new Date(Date.UTC(2025, 2, 1, 6));
    const at = (minutes: number) => new Date(six.getTime() + minutes * 60_000);
    const run = await failedAction(target.id, at(10));
    // Another integration's runs keep the latest row current, so the passes stop redoing 06:00.
    for (let hour = 0; hour <= 5; hour += 1) {
      await test.hub.db.insertInto('integration_runs').values({
        tenant_id: tenant.id, integration_id: busy.id, kind: 'poll', stream: 'items', trigger: 'schedule', mode: 'incremental',
        idempotency_key: `rollup-busy-${Math.random()}`, status: 'succeeded', queued_at: at(hour * 60 + 20), started_at: at(hour * 60 + 20), finished_at: at(hour * 60 + 21), latency_ms: 60_000,
      }).execute();
      await rollUpHealth(test.hub, at(hour * 60 + 30));
    }

    // Replayed at 11:40, it succeeds at 11:42.
    expect(await requeueFailedAction(test.hub.db, run.id, { integrationId: target.id, action: 'record', input: { message: 'x' } })).toBe(true);
    await test.hub.db.updateTable('integration_runs').set({ status: 'succeeded', started_at: at(341), finished_at: at(342), latency_ms: 60_000, attempts: 4 }).where('id', '=', run.id).execute();
    await rollUpHealth(test.hub, at(345));

    const rows = await test.hub.db.selectFrom('integration_health_metrics').select(['hour', 'runs_total', 'runs_failed']).where('integration_id', '=', target.id).orderBy('hour').execute();
    expect(rows).toEqual([{ hour: at(300), runs_total: 1, runs_failed: 0 }]);
  });

  it('leaves to the passes an hour they have not reached when a replay takes a run out of it', async () => {
    const integration = await createTestkitIntegration(test, tenant, `rollup-unreached-${Math.random()}`);
    // Its own day, before the other tests' hours, which no pass has reached.
    const seven = new Date(Date.UTC(2021, 5, 1, 7));
    const at = (minutes: number) => new Date(seven.getTime() + minutes * 60_000);
    const finishedRun = (status: 'succeeded' | 'failed', kind: 'poll' | 'action') =>
      test.hub.db.insertInto('integration_runs').values({
        tenant_id: tenant.id, integration_id: integration.id, kind, stream: kind === 'poll' ? 'items' : null, action: kind === 'action' ? 'record' : null,
        trigger: kind === 'poll' ? 'schedule' : 'route', mode: kind === 'poll' ? 'incremental' : null, idempotency_key: `rollup-unreached-${Math.random()}`,
        status, queued_at: at(10), started_at: at(10), finished_at: at(11), latency_ms: 60_000,
      }).returning('id').executeTakeFirstOrThrow();
    await finishedRun('succeeded', 'poll');
    const failed = await finishedRun('failed', 'action');
    expect(await requeueFailedAction(test.hub.db, failed.id, { integrationId: integration.id, action: 'record', input: {} })).toBe(true);
    // A row here would read as the latest hour rolled up, and the next pass would skip the hours before it.
    const rows = await test.hub.db.selectFrom('integration_health_metrics').select('hour').where('integration_id', '=', integration.id).execute();
    expect(rows).toEqual([]);
  });
});
