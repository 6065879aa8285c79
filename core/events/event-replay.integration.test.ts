import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream, type ScriptedFailure } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { reconcile } from '../runs/reconciler.ts';

// Replay sends an event through the routes as they are now (README, Routes): a failed action runs
// again only while its route exists, is enabled and matches, and then as the route says now.

describe.each(RUNTIME_MODES)('replaying an event on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    // The test calls reconcile() itself and reads that pass's report: a background pass (every 15 s
    // by default) between a stale row's insert and that call would settle the row first.
    test = await startTestHub({ label: 'replay', ...options, connectors: [...connectors, testkit], workers: true, env: { HUB_RECONCILE_INTERVAL_SECONDS: '86400' } });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const routeRuns = (routeId: string) => test.hub.db.selectFrom('integration_runs').selectAll().where('route_id', '=', routeId).execute();

  /** A route whose action failed for one polled event: by a scripted upstream failure, or by its template. */
  async function failedRouteAction(
    inputTemplate: Record<string, unknown> = { message: 'x {{event.externalId}}' },
    failures: ScriptedFailure[] = [{ code: 'permission_denied' }],
  ) {
    const source = await createTestkitIntegration(test, tenant, `replay-src-${Math.random()}`);
    const targetData = `replay-dst-${Math.random()}`;
    const target = await createTestkitIntegration(test, tenant, targetData);
    const sink = testkitUpstream(targetData);
    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'all', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate },
    });
    expect(created.status).toBe(201);
    const route = await created.json();
    testkitUpstream(source.config.dataset).records.set('e1', { title: 'hello' });
    sink.failures.push(...failures);
    await syncAndWait(test, tenant, source.id);
    const run = await waitFor('the action to fail', async () => (await routeRuns(route.id)).find((row) => row.status === 'failed'));
    return { source, target, sink, route, run, eventId: run.event_id as string };
  }

  /** Replays and waits until the event is routed and no action of it is waiting or running. */
  async function replay(eventId: string) {
    const response = await test.request('post', `/api/events/${eventId}/replay`, { token: tenant.tokens.operator });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { id: string; replay: { failedActionsRetried: number; failedActionsNotRetried: number } };
    await waitFor('the replay to settle', async () => {
      const event = await test.hub.db.selectFrom('integration_events').select('status').where('id', '=', eventId).executeTakeFirstOrThrow();
      const busy = await test.hub.db.selectFrom('integration_runs').select('id').where('event_id', '=', eventId).where('status', 'in', ['queued', 'running']).execute();
      return event.status === 'processed' && busy.length === 0;
    });
    return answer;
  }

  const replayAudit = async (eventId: string) =>
    (await test.hub.db.selectFrom('audit_log').select('detail').where('action', '=', 'event.replayed').where('target_id', '=', eventId).executeTakeFirstOrThrow()).detail;

  it('does not run again the failed action of a deleted route', async () => {
    const { sink, route, run, eventId } = await failedRouteAction();
    expect((await test.request('delete', `/api/routes/${route.id}`, { token: tenant.tokens.admin })).status).toBe(204);
    // The answer says so: an operator would otherwise take the 202 for a retry.
    expect((await replay(eventId)).replay).toEqual({ failedActionsRetried: 0, failedActionsNotRetried: 1 });
    expect(sink.actions).toEqual([]);
    expect(await routeRuns(route.id)).toEqual([expect.objectContaining({ id: run.id, status: 'failed', error_code: 'permission_denied' })]);
    expect(await replayAudit(eventId)).toMatchObject({ failedActionsRetried: 0, failedActionsNotRetried: 1 });
  });

  it('does not run again the failed action of a disabled route, and does once it is enabled again', async () => {
    const { sink, route, eventId } = await failedRouteAction();
    expect((await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { enabled: false } })).status).toBe(200);
    await replay(eventId);
    expect(sink.actions).toEqual([]);
    expect((await routeRuns(route.id)).map((row) => row.status)).toEqual(['failed']);

    expect((await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { enabled: true } })).status).toBe(200);
    await replay(eventId);
    expect(sink.actions).toHaveLength(1);
    expect((await routeRuns(route.id)).map((row) => row.status)).toEqual(['succeeded']);
  });

  it('does not run again the failed action of a route that no longer matches the event', async () => {
    const { sink, route, target, eventId } = await failedRouteAction();
    const elsewhere = await createTestkitIntegration(test, tenant, `replay-other-${Math.random()}`);
    const patched = await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { filter: { sourceIntegrationId: elsewhere.id } } });
    expect(patched.status).toBe(200);
    await replay(eventId);
    expect(sink.actions).toEqual([]);
    expect(await routeRuns(route.id)).toEqual([expect.objectContaining({ status: 'failed', integration_id: target.id })]);
  });

  it("runs a failed action again as its route says now: the corrected template", async () => {
    // A field the event lacks leaves the required message out: the run fails with config_invalid.
    const { sink, route, run, eventId } = await failedRouteAction({ message: '{{event.payload.absent}}' }, []);
    expect(run.error_code).toBe('config_invalid');
    const fixed = { message: 'fixed {{event.externalId}}: {{event.payload.title}}' };
    expect((await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { inputTemplate: fixed } })).status).toBe(200);
    expect(await replay(eventId)).toMatchObject({ id: eventId, replay: { failedActionsRetried: 1, failedActionsNotRetried: 0 } });
    expect(sink.actions).toEqual([{ input: { message: 'fixed e1: hello' }, idempotencyKey: `route:${route.id}:${eventId}` }]);
    expect(await routeRuns(route.id)).toEqual([expect.objectContaining({ id: run.id, status: 'succeeded', error_code: null })]);
    expect(await replayAudit(eventId)).toMatchObject({ failedActionsRetried: 1, failedActionsNotRetried: 0 });
  });

  it('routes the event through a route added after it, once', async () => {
    const { source, eventId } = await failedRouteAction();
    const laterData = `replay-later-${Math.random()}`;
    const later = await createTestkitIntegration(test, tenant, laterData);
    const added = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'later', filter: { sourceIntegrationId: source.id }, targetIntegrationId: later.id, action: 'record', inputTemplate: { message: 'later {{event.externalId}}' } },
    });
    expect(added.status).toBe(201);
    await replay(eventId);
    await replay(eventId);
    expect(testkitUpstream(laterData).actions).toEqual([{ input: { message: 'later e1' }, idempotencyKey: `route:${(await added.json()).id}:${eventId}` }]);
  });
  const failureEvents = async (integrationId: string) =>
    (await (await test.request('get', `/api/events?integrationId=${integrationId}&type=failure.*`, { token: tenant.tokens.viewer })).json()).events;

  it('records (and routes) a failure event each time a replayed action fails again', async () => {
    const { target, sink, eventId } = await failedRouteAction();
    // The first failure is routed before the alerting route exists, so only the replay's can reach it.
    await waitFor('the first failure event to be routed', async () => (await failureEvents(target.id))[0]?.status === 'processed');
    const alertsData = `replay-alerts-${Math.random()}`;
    const alerts = await createTestkitIntegration(test, tenant, alertsData);
    const alertRoute = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'failures', filter: { sourceIntegrationId: target.id, eventType: 'failure.*' }, targetIntegrationId: alerts.id, action: 'record', inputTemplate: { message: '{{event.type}}' } },
    });
    expect(alertRoute.status).toBe(201);
    expect(await failureEvents(target.id)).toHaveLength(1);

    sink.failures.push({ code: 'permission_denied' });
    await replay(eventId);
    // The failure event of the replay is what a failure.* route alerts on: without it nobody hears.
    await waitFor('the second failure to be routed', async () => testkitUpstream(alertsData).actions.length === 1);
    expect(await failureEvents(target.id)).toHaveLength(2);
  });

  it('gives a replayed run its retries again, numbering its attempts on, with one failure event per final failure', async () => {
    // Transient failures are retried within the run; the last try fails it for good, once.
    const transient = { code: 'upstream_unavailable' as const, retryAfterMs: 20 };
    const { target, sink, route, run, eventId } = await failedRouteAction({ message: 'x {{event.externalId}}' }, [transient, transient, transient]);
    expect(run).toMatchObject({ error_code: 'upstream_unavailable', attempts: 3 });
    expect(await failureEvents(target.id)).toHaveLength(1);

    sink.failures.push(transient, transient);
    await replay(eventId);
    // Two more retries were allowed; attempt numbers never repeat, so a stale attempt stays fenced.
    expect(await routeRuns(route.id)).toEqual([expect.objectContaining({ id: run.id, status: 'succeeded', attempts: 6 })]);
    expect(sink.actions).toHaveLength(1);
    expect(await failureEvents(target.id)).toHaveLength(1);
  });

  it('queues a replayed action as a new run: its start, latency and queue time are those of the replay', async () => {
    const { route, run, eventId } = await failedRouteAction();
    // As though the operator replays an hour after the failure.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await test.hub.db.updateTable('integration_runs').set({ started_at: hourAgo, queued_at: sql<never>`${hourAgo}::timestamptz` }).where('id', '=', run.id).execute();
    const replayedAt = new Date();
    await replay(eventId);
    const [done] = await routeRuns(route.id);
    expect(done).toMatchObject({ id: run.id, status: 'succeeded' });
    expect(done!.queued_at.getTime()).toBeGreaterThanOrEqual(replayedAt.getTime() - 1_000);
    expect(done!.started_at!.getTime()).toBeGreaterThanOrEqual(replayedAt.getTime() - 1_000);
    expect(done!.latency_ms).toBeLessThan(60_000);
  });

  it('answers 202 when the queue is unreachable after the replay was saved, and the reconciler runs it', async () => {
    const { sink, route, run, eventId } = await failedRouteAction();
    const add = test.hub.queue.add;
    test.hub.queue.add = async () => {
      throw new Error('Connection is closed.');
    };
    try {
      expect((await test.request('post', `/api/events/${eventId}/replay`, { token: tenant.tokens.operator })).status).toBe(202);
    } finally {
      test.hub.queue.add = add;
    }
    expect(await routeRuns(route.id)).toEqual([expect.objectContaining({ id: run.id, status: 'queued' })]);
    // A lease later nobody has picked it up: the reconciler puts it on the queue.
    await test.hub.db.updateTable('integration_runs').set({ queued_at: sql<never>`now() - interval '1 hour'` }).where('id', '=', run.id).execute();
    expect((await reconcile(test.hub)).runsRequeued).toBeGreaterThanOrEqual(1);
    await waitFor('the replayed action to run', async () => (await routeRuns(route.id))[0]?.status === 'succeeded');
    expect(sink.actions).toHaveLength(1);
  });
});
