import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, insertPendingEvent } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { processEvents } from './event.processor.ts';

// README: events received before a route was created, still waiting to be routed (a backlog), are
// not routed by it — "replay them to send them through the routes of now". A replay that lands
// while a worker is routing the same pending event must not be settled by the worker's older plan:
// the event stays pending for the replay's own job, and the new route acts on it. PostgreSQL only:
// the race needs two transactions at once, which an embedded hub's one connection serialises.

describe('replaying an event while a worker is routing it (PostgreSQL)', () => {
  let test: TestHub;
  let tenant: TestTenant;
  let side: pg.Client;

  beforeAll(async () => {
    test = await startTestHub({ label: 'ev_replay_race', database: 'postgres', queue: 'memory', connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
    side = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
    await side.connect();
  });
  afterAll(async () => {
    await side?.end();
    await test?.close();
  });

  const waiting = async (like: string) =>
    (await side.query(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike $1`, [like])).rows[0].n as number;

  /**
   * Replays the event while a worker routes it: the replay's transaction is held open after its
   * UPDATE of the event (its audit insert waits on a lock of the audit log), the worker reads the
   * event meanwhile (the committed version: pending, not replayed) and reaches its mark of the
   * event, then the replay commits and both finish.
   */
  async function replayWhileRouting(eventId: string): Promise<void> {
    // The operator token's use is audited once; that is done before the audit log is locked.
    expect((await test.request('get', `/api/events/${eventId}`, { token: tenant.tokens.operator })).status).toBe(200);
    const holder = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
    await holder.connect();
    await holder.query('begin');
    await holder.query('lock table audit_log in exclusive mode');
    const replay = test.request('post', `/api/events/${eventId}/replay`, { token: tenant.tokens.operator });
    await waitFor('the replay to wait on its audit insert', async () => (await waiting('%audit_log%')) > 0);
    const routing = processEvents(test.hub, [eventId]);
    await waitFor('the worker to wait on the event row', async () => (await waiting('%integration_events%')) > 0);
    await holder.query('commit');
    await holder.end();
    expect((await replay).status).toBe(202);
    await routing;
  }

  it('the route created before the replay acts on the replayed event', async () => {
    const source = await createTestkitIntegration(test, tenant, `race-src-${Math.random()}`);
    const target = await createTestkitIntegration(test, tenant, `race-dst-${Math.random()}`);
    // A backlog event, received a minute ago, before the route existed.
    const eventId = await insertPendingEvent(test, tenant, source.id, 'r-1', new Date(Date.now() - 60_000));
    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'new route', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'got {{event.externalId}}' } },
    });
    expect(created.status).toBe(201);
    const route = await created.json();

    await replayWhileRouting(eventId);
    // The replay's own job.
    await processEvents(test.hub, [eventId]);

    const runs = await test.hub.db.selectFrom('integration_runs').select(['id', 'status']).where('route_id', '=', route.id).where('event_id', '=', eventId).execute();
    expect(runs, 'the route created before the replay must act on the replayed event').toHaveLength(1);
  });

  it('stores none of the older plan\'s runs: a route switched off before the replay\'s job does not act', async () => {
    const source = await createTestkitIntegration(test, tenant, `stale-src-${Math.random()}`);
    const target = await createTestkitIntegration(test, tenant, `stale-dst-${Math.random()}`);
    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'switched off', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'got {{event.externalId}}' } },
    });
    const route = await created.json();
    // Received after the route was made: the worker's plan has the route act on it.
    const eventId = await insertPendingEvent(test, tenant, source.id, 's-1');
    await replayWhileRouting(eventId);
    expect((await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { enabled: false } })).status).toBe(200);
    // The replay's own job, routing the event as it is now.
    await processEvents(test.hub, [eventId]);

    expect(await test.hub.db.selectFrom('integration_runs').select('id').where('route_id', '=', route.id).where('event_id', '=', eventId).execute()).toEqual([]);
    expect((await test.hub.db.selectFrom('integration_events').select('status').where('id', '=', eventId).executeTakeFirstOrThrow()).status).toBe('processed');
  });

  it('settles a replayed event of a tenant without routes, and a never-replayed one, without acting', async () => {
    const quiet = await test.createTenant(`quiet-${Math.random().toString(36).slice(2, 8)}`);
    const source = await createTestkitIntegration(test, quiet, `quiet-src-${Math.random()}`);
    const plain = await insertPendingEvent(test, quiet, source.id, 'q-1');
    const replayed = await insertPendingEvent(test, quiet, source.id, 'q-2');
    await test.hub.db.updateTable('integration_events').set({ replayed_at: new Date() }).where('id', '=', replayed).execute();

    await processEvents(test.hub, [plain, replayed]);

    const rows = await test.hub.db.selectFrom('integration_events').select(['id', 'status']).where('id', 'in', [plain, replayed]).execute();
    expect(rows.map((row) => row.status)).toEqual(['processed', 'processed']);
    expect(await test.hub.db.selectFrom('integration_runs').select('id').where('event_id', 'in', [plain, replayed]).execute()).toEqual([]);
  });
});
