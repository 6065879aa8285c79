import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { MAINTENANCE_QUEUE } from '../server/maintenance.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { removeOldHistory } from './history-retention.ts';
import { jobRegistrations } from '../server/hub-services.ts';
import { startWorkers } from '../server/job-handlers.ts';

// HUB_HISTORY_RETENTION_DAYS: the workers remove finished runs, routed events and hourly health rows
// older than that, and keep what the hub still needs whatever its age.

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);
/** The start of the hour `days` ago: health rows are per whole hour. */
const hourDaysAgo = (days: number) => new Date(Math.floor((Date.now() - days * DAY) / 3_600_000) * 3_600_000);

describe.each(RUNTIME_MODES)('history retention on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    // No workers until the last test: a maintenance pass of their own (the roll-up, the retention
    // itself) would change what the direct calls below find.
    test = await startTestHub({ label: 'history_retention', ...options, connectors: [...connectors, testkit], env: { HUB_HISTORY_RETENTION_DAYS: '30' } });
    tenant = await test.createTenant('acme');
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  async function event(integrationId: string, receivedDaysAgo: number, status: 'processed' | 'pending' | 'failed'): Promise<string> {
    const row = await test.hub.db
      .insertInto('integration_events')
      .values({
        tenant_id: tenant.id, integration_id: integrationId, source: 'webhook', type: 'incident.updated', payload: JSON.stringify({ n: 1 }),
        payload_hash: randomUUID(), dedupe_key: randomUUID(), status, received_at: daysAgo(receivedDaysAgo),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function run(integrationId: string, fields: { kind?: 'poll' | 'action' | 'check'; status: 'succeeded' | 'failed' | 'cancelled' | 'queued'; daysAgo: number }): Promise<string> {
    const at = daysAgo(fields.daysAgo);
    const finished = fields.status !== 'queued';
    const row = await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integrationId, kind: fields.kind ?? 'poll', stream: fields.kind === 'action' ? null : 'items', trigger: 'schedule',
        idempotency_key: randomUUID(), status: fields.status, queued_at: at, started_at: finished ? at : null, finished_at: finished ? at : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  const exists = async (table: 'integration_events' | 'integration_runs', id: string) =>
    (await test.hub.db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

  it('removes what is older than the retention and keeps what is still needed', async () => {
    const kit = await createTestkitIntegration(test, tenant, `retention-${randomUUID()}`);
    const oldRouted = await event(kit.id, 40, 'processed');
    const oldFailed = await event(kit.id, 40, 'failed');
    const oldPending = await event(kit.id, 40, 'pending');
    const recent = await event(kit.id, 2, 'processed');
    const oldSuccess = await run(kit.id, { status: 'succeeded', daysAgo: 50 });
    const latestSuccess = await run(kit.id, { status: 'succeeded', daysAgo: 1 });
    const latestFailure = await run(kit.id, { status: 'failed', daysAgo: 45 });
    const oldCheck = await run(kit.id, { kind: 'check', status: 'succeeded', daysAgo: 40 });
    const oldCancelled = await run(kit.id, { status: 'cancelled', daysAgo: 40 });
    await test.hub.db
      .insertInto('integration_health_metrics')
      .values([
        { tenant_id: tenant.id, integration_id: kit.id, hour: hourDaysAgo(40), runs_total: 1, runs_failed: 0, records: 0 },
        { tenant_id: tenant.id, integration_id: kit.id, hour: hourDaysAgo(1), runs_total: 1, runs_failed: 0, records: 0 },
      ])
      .execute();

    expect(await removeOldHistory(test.hub)).toEqual({ events: 2, runs: 3, healthHours: 1, more: false });
    for (const gone of [oldRouted, oldFailed]) expect(await exists('integration_events', gone)).toBe(false);
    for (const kept of [oldPending, recent]) expect(await exists('integration_events', kept)).toBe(true);
    for (const gone of [oldSuccess, oldCheck, oldCancelled]) expect(await exists('integration_runs', gone)).toBe(false);
    for (const kept of [latestSuccess, latestFailure]) expect(await exists('integration_runs', kept)).toBe(true);
    const hours = await test.hub.db.selectFrom('integration_health_metrics').select('hour').where('integration_id', '=', kit.id).execute();
    expect(hours).toHaveLength(1);

    // The integration's health still knows when it last succeeded and last failed.
    const health = (await (await test.request('get', `/api/integrations/${kit.id}`, { token: tenant.tokens.viewer })).json()).health;
    const finishedAt = async (id: string) => (await test.hub.db.selectFrom('integration_runs').select('finished_at').where('id', '=', id).executeTakeFirstOrThrow()).finished_at!.toISOString();
    expect([health.lastSuccessAt, health.lastFailureAt]).toEqual([await finishedAt(latestSuccess), await finishedAt(latestFailure)]);
  });

  it('keeps the event of a run kept, and an event replayed within the retention, however old', async () => {
    const target = await createTestkitIntegration(test, tenant, `retention-held-${randomUUID()}`);
    // An action held for a paused target for 35 days, caused by an event received just before.
    const cause = await event(target.id, 36, 'processed');
    const held = await run(target.id, { kind: 'action', status: 'queued', daysAgo: 35 });
    // An action that failed 40 days ago, its integration's latest failure: its event can still be replayed.
    const failedCause = await event(target.id, 41, 'processed');
    const failed = await run(target.id, { kind: 'action', status: 'failed', daysAgo: 40 });
    for (const [runId, eventId] of [[held, cause], [failed, failedCause]] as const) {
      await test.hub.db.updateTable('integration_runs').set({ event_id: eventId }).where('id', '=', runId).execute();
    }
    const replayed = await event(target.id, 60, 'processed');
    await test.hub.db.updateTable('integration_events').set({ replayed_at: daysAgo(3) }).where('id', '=', replayed).execute();
    const other = await event(target.id, 36, 'processed');

    await removeOldHistory(test.hub);
    for (const kept of [cause, failedCause, replayed]) expect(await exists('integration_events', kept)).toBe(true);
    for (const kept of [held, failed]) expect(await exists('integration_runs', kept)).toBe(true);
    expect(await exists('integration_events', other)).toBe(false);
    await test.hub.db.deleteFrom('integration_runs').where('id', 'in', [held, failed]).execute();
  });

  it('goes on where each batch stopped, and leaves what its time does not cover to the next pass', async () => {
    const kit = await createTestkitIntegration(test, tenant, `retention-many-${randomUUID()}`);
    // More than one batch (2,000) of old events, with pending ones (kept) spread among them.
    await sql`insert into integration_events (tenant_id, integration_id, source, type, payload, payload_hash, dedupe_key, status, received_at)
      select ${tenant.id}, ${kit.id}, 'webhook', 'incident.updated', '{}'::jsonb, 'h', 'many-' || n, case when n % 1000 = 0 then 'pending' else 'processed' end,
        ${daysAgo(40)}::timestamptz + n * interval '1 second'
      from generate_series(1, 4500) as n`.execute(test.hub.db);
    const left = async () => Number((await sql<{ n: number }>`select count(*)::int as n from integration_events where integration_id = ${kit.id}`.execute(test.hub.db)).rows[0]!.n);

    expect(await removeOldHistory(test.hub, 0)).toMatchObject({ events: 0, more: true });
    expect(await left()).toBe(4500);
    // At least: the events the test before kept for its runs, which it then removed, go too.
    const pass = await removeOldHistory(test.hub);
    expect(pass.more).toBe(false);
    expect(pass.events).toBeGreaterThanOrEqual(4496);
    expect(await left()).toBe(4);
  });

  it('runs as a maintenance job of the workers', async () => {
    const kit = await createTestkitIntegration(test, tenant, `retention-job-${randomUUID()}`);
    const old = await event(kit.id, 31, 'processed');
    startWorkers(test.hub, jobRegistrations(test.hub));
    await test.hub.queue.add(MAINTENANCE_QUEUE, 'history-retention', {});
    await waitFor('the old event to go', async () => ((await exists('integration_events', old)) ? undefined : true));
  });
});
