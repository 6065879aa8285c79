import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait as syncTestkit, waitRun } from '../../test-support/testkit-integration.ts';
import { QueueUnavailableError } from '../queue/queue.types.ts';
import { reconcile } from './reconciler.ts';
import { fireSwitchedOnSchedules, POLL_QUEUE } from '../scheduler/schedule.service.ts';

describe.each(RUNTIME_MODES)('polling on $name', ({ name, options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  const dataset = `poll-${name}-${Math.random()}`;
  const upstream = testkitUpstream(dataset);

  beforeAll(async () => {
    // The test calls reconcile() itself and reads that pass's report: a background pass (every 15 s
    // by default) between a stale row's insert and that call would settle the row first.
    test = await startTestHub({ label: 'poll', ...options, connectors: [...connectors, testkit], workers: true, env: { HUB_RECONCILE_INTERVAL_SECONDS: '86400' } });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const createIntegration = (body: Record<string, unknown> = {}) => createTestkitIntegration(test, tenant, dataset, body);
  const syncAndWait = (integrationId: string, mode: 'incremental' | 'full' = 'incremental') => syncTestkit(test, tenant, integrationId, mode);

  // Fired by the test only: a scheduled fire polls a stream only while its schedule is on, so the
  // stream has one, but at New Year's midnight, not during the test.
  const createFiredByHand = () => createIntegration({ schedules: { items: { cron: '0 0 1 1 *' } } });

  async function eventsOf(integrationId: string) {
    return (await (await test.request('get', `/api/events?integrationId=${integrationId}&limit=500`, { token: tenant.tokens.viewer })).json()).events;
  }

  it('refuses a schedule with an invalid cron expression before saving anything', async () => {
    const response = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'testkit', name: 'bad-cron', config: { dataset }, schedules: { items: { cron: 'every tuesday' } } },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.fields[0].path).toBe('body.schedules.items.cron');
    const listed = await (await test.request('get', '/api/integrations?connector=testkit', { token: tenant.tokens.viewer })).json();
    expect(listed.integrations.map((i: { name: string }) => i.name)).not.toContain('bad-cron');
  });

  it('schedules one poll per stream and removes it on pause', async () => {
    const integration = await createIntegration({ schedules: { items: { everySeconds: 300 } } });
    const scheduled = () => test.hub.queue.listSchedules(POLL_QUEUE).then((all) => all.filter((s) => s.id.includes(integration.id)));
    expect(await scheduled()).toEqual([expect.objectContaining({ every: 300_000 })]);
    // Updating the integration again leaves one schedule, not two.
    await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { schedules: { items: { everySeconds: 600 } } } });
    expect(await scheduled()).toEqual([expect.objectContaining({ every: 600_000 })]);
    await test.request('post', `/api/integrations/${integration.id}/pause`, { token: tenant.tokens.operator });
    expect(await scheduled()).toEqual([]);
    const resumed = await (await test.request('post', `/api/integrations/${integration.id}/resume`, { token: tenant.tokens.operator })).json();
    expect(resumed.paused).toBe(false);
    expect(await scheduled()).toHaveLength(1);
  });

  it('polls at once when an integration is enabled or resumed, as a new interval schedule does', async () => {
    const scheduledRuns = (integrationId: string) =>
      test.hub.db.selectFrom('integration_runs').select(['status']).where('integration_id', '=', integrationId).where('trigger', '=', 'schedule').execute();
    const firstScheduledRun = async (integrationId: string) => {
      await expect.poll(() => scheduledRuns(integrationId), { timeout: 15_000 }).toEqual([{ status: 'succeeded' }]);
    };
    const hourly = { schedules: { items: { everySeconds: 3600 } } };

    const enabledLater = await createIntegration({ enabled: false, ...hourly });
    expect(await scheduledRuns(enabledLater.id)).toEqual([]);
    const enabled = await test.request('patch', `/api/integrations/${enabledLater.id}`, { token: tenant.tokens.admin, body: { enabled: true } });
    expect(enabled.status).toBe(200);
    // Not an hour later: the schedule's first fire comes when it is made, and it saw the change.
    await firstScheduledRun(enabledLater.id);

    const resumedLater = await createIntegration({ enabled: false, ...hourly });
    expect((await test.request('post', `/api/integrations/${resumedLater.id}/pause`, { token: tenant.tokens.operator })).status).toBe(200);
    await test.request('patch', `/api/integrations/${resumedLater.id}`, { token: tenant.tokens.admin, body: { enabled: true } });
    expect(await scheduledRuns(resumedLater.id)).toEqual([]);
    expect((await test.request('post', `/api/integrations/${resumedLater.id}/resume`, { token: tenant.tokens.operator })).status).toBe(200);
    await firstScheduledRun(resumedLater.id);
  });

  it("queues the first poll of a schedule switched on itself, whatever the schedule's own first fire saw", async () => {
    // The schedule's own first fire can reach a worker before the change commits, read the
    // integration as still disabled, and skip: this poll must not depend on it.
    const integration = await createIntegration({ enabled: false, schedules: { items: { everySeconds: 3600 } } });
    const before = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', integration.id).executeTakeFirstOrThrow();
    const after = await test.hub.db.updateTable('integration_configs').set({ enabled: true }).where('id', '=', integration.id).returningAll().executeTakeFirstOrThrow();
    await fireSwitchedOnSchedules(test.hub, testkit, before, after);
    const scheduled = () => test.hub.db.selectFrom('integration_runs').select('status').where('integration_id', '=', integration.id).where('trigger', '=', 'schedule').execute();
    await expect.poll(scheduled, { timeout: 15_000 }).toEqual([{ status: 'succeeded' }]);
    // Twice in one window is still one run.
    await fireSwitchedOnSchedules(test.hub, testkit, before, after);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await scheduled()).toEqual([{ status: 'succeeded' }]);
  });

  it('reads a cron schedule without tz in UTC, whatever the process time zone', async () => {
    const zone = process.env['TZ'];
    process.env['TZ'] = 'America/New_York';
    try {
      const integration = await createIntegration({ schedules: { items: { cron: '0 9 * * *' } } });
      const schedule = (await test.hub.queue.listSchedules(POLL_QUEUE)).find((each) => each.id.includes(integration.id));
      expect([schedule?.nextRunAt?.getUTCHours(), schedule?.nextRunAt?.getUTCMinutes()]).toEqual([9, 0]);
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
  });

  it('accepts a sync while the queue is unreachable: the run is stored, and the reconciler dispatches it', async () => {
    const integration = await createIntegration();
    const add = test.hub.queue.add;
    test.hub.queue.add = async () => {
      throw new QueueUnavailableError('Redis not ready (reconnecting)');
    };
    let response;
    try {
      response = await test.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: { mode: 'full' } });
    } finally {
      test.hub.queue.add = add;
    }
    expect(response.status).toBe(202);
    const { runs } = await response.json();
    expect(runs).toHaveLength(1);
    // A lease later nobody has picked it up: the reconciler puts it on the queue.
    await test.hub.db.updateTable('integration_runs').set({ next_attempt_at: new Date(Date.now() - 3_600_000) }).where('id', '=', runs[0].id).execute();
    expect((await reconcile(test.hub)).runsRequeued).toBeGreaterThanOrEqual(1);
    expect(await waitRun(test, tenant, runs[0].id)).toMatchObject({ status: 'succeeded' });
  });

  it('stores changed records once: unchanged re-syncs create no events, a change creates exactly one', async () => {
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5']) upstream.records.set(id, { title: `record ${id}`, version: 1 });
    const integration = await createIntegration();

    const first = await syncAndWait(integration.id);
    expect(first).toMatchObject({ status: 'succeeded', pages: 3, records: { seen: 5, new: 5, changed: 0 }, errorCode: null });
    expect(first.payloadHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await eventsOf(integration.id)).map((e: { type: string }) => e.type)).toEqual(Array(5).fill('items.created'));

    const again = await syncAndWait(integration.id, 'full');
    expect(again.records).toEqual({ seen: 5, new: 0, changed: 0 });
    expect(await eventsOf(integration.id)).toHaveLength(5);

    upstream.records.set('a3', { title: 'record a3', version: 2 });
    const changed = await syncAndWait(integration.id, 'full');
    expect(changed.records).toEqual({ seen: 5, new: 0, changed: 1 });
    const events = await eventsOf(integration.id);
    expect(events).toHaveLength(6);
    expect(events[0]).toMatchObject({ type: 'items.updated', externalId: 'a3', source: 'poll', payload: { id: 'a3', version: 2 } });

    // Changed back to what it was first (an incident reopened): a change like any other, one event.
    upstream.records.set('a3', { title: 'record a3', version: 1 });
    const reverted = await syncAndWait(integration.id, 'full');
    expect(reverted.records).toEqual({ seen: 5, new: 0, changed: 1 });
    const afterRevert = await eventsOf(integration.id);
    expect(afterRevert).toHaveLength(7);
    expect(afterRevert[0]).toMatchObject({ type: 'items.updated', externalId: 'a3', payload: { id: 'a3', version: 1 } });
    expect((await syncAndWait(integration.id, 'full')).records).toEqual({ seen: 5, new: 0, changed: 0 });
    expect(await eventsOf(integration.id)).toHaveLength(7);
  });

  it('commits the cursor with each page, so a run that dies mid-way resumes without loss or duplicates', async () => {
    const dataset2 = `${dataset}-resume`;
    const data = testkitUpstream(dataset2);
    for (const id of ['b1', 'b2', 'b3', 'b4', 'b5', 'b6']) data.records.set(id, { n: id });
    const integration = await createIntegration({ config: { dataset: dataset2 } });

    data.failures.push({ code: 'upstream_bad_response', afterPages: 2 });
    const broken = await syncAndWait(integration.id);
    expect(broken).toMatchObject({ status: 'failed', errorCode: 'upstream_bad_response', records: { seen: 4, new: 4 } });

    const resumed = await syncAndWait(integration.id);
    expect(resumed).toMatchObject({ status: 'succeeded', records: { seen: 2, new: 2, changed: 0 } });
    const ids = (await eventsOf(integration.id)).filter((e: { source: string }) => e.source === 'poll').map((e: { externalId: string }) => e.externalId);
    expect(ids.sort()).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'b6']);
  });

  it('waits as a transient failure asks and then succeeds on the next attempt', async () => {
    const dataset3 = `${dataset}-retry`;
    const data = testkitUpstream(dataset3);
    data.records.set('c1', { n: 1 });
    const integration = await createIntegration({ config: { dataset: dataset3 } });
    data.failures.push({ code: 'rate_limited', retryAfterMs: 300, afterPages: 0 });
    const run = await syncAndWait(integration.id);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2, records: { new: 1 } });
    expect(data.failures).toHaveLength(0);
  });

  it('fails a run at once, with its task, when the upstream asks to wait longer than an hour (or for no date at all)', async () => {
    for (const retryAfterMs of [2 * 3_600_000, 1e23]) {
      const waiting = `${dataset}-wait-${retryAfterMs}`;
      const data = testkitUpstream(waiting);
      data.records.set('w1', { n: 1 });
      const integration = await createIntegration({ config: { dataset: waiting } });
      data.failures.push({ code: 'rate_limited', retryAfterMs, afterPages: 0 });
      const run = await syncAndWait(integration.id);
      expect(run).toMatchObject({ status: 'failed', attempts: 1, errorCode: 'rate_limited' });
      const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json();
      expect(tasks).toMatchObject([{ code: 'rate_limited', status: 'open', runbook: 'runbooks/rate_limited.md' }]);
    }
  });

  it('makes one run per schedule window however many processes fire it', async () => {
    const integration = await createFiredByHand();
    const { runScheduledPoll } = await import('./run.worker.ts');
    const fire = (hub: TestHub['hub']) => runScheduledPoll(hub, { integrationId: integration.id, stream: 'items', everyMs: 3_600_000 });
    const scheduledRuns = () => test.hub.db.selectFrom('integration_runs').selectAll().where('integration_id', '=', integration.id).where('trigger', '=', 'schedule').execute();
    if (options.database === 'pglite') {
      // One embedded database belongs to one process: its fires race within it.
      await Promise.all([fire(test.hub), fire(test.hub), fire(test.hub)]);
      expect(await scheduledRuns()).toHaveLength(1);
      return;
    }
    const second = await startTestHub({ label: 'poll2', ...options, connectors: [...connectors, testkit], shareDatabaseOf: test });
    try {
      await Promise.all([fire(test.hub), fire(second.hub), fire(test.hub)]);
      const runs = await scheduledRuns();
      expect(runs).toHaveLength(1);
      expect(runs[0]?.idempotency_key).toMatch(new RegExp(`^${integration.id}:items:\\d{4}-\\d\\d-\\d\\dT\\d\\d:00:00.000Z$`));
    } finally {
      await second.close();
    }
  });

  it('keys a scheduled run by the window its fire was due in, not when a busy worker reached it', async () => {
    const integration = await createFiredByHand();
    const { runScheduledPoll } = await import('./run.worker.ts');
    const hourly = { integrationId: integration.id, stream: 'items', everyMs: 3_600_000 };
    // Fires due a moment before the hour, one of them picked up after the hour had turned: still
    // two windows, two runs, rather than the late one taking the next fire's window.
    await runScheduledPoll(test.hub, hourly, new Date('2030-01-01T10:59:59.900Z'));
    await runScheduledPoll(test.hub, hourly, new Date('2030-01-01T11:59:59.900Z'));
    const runs = await test.hub.db.selectFrom('integration_runs').select('window_start').where('integration_id', '=', integration.id).where('trigger', '=', 'schedule').orderBy('window_start').execute();
    expect(runs.map((run) => run.window_start?.toISOString())).toEqual(['2030-01-01T10:00:00.000Z', '2030-01-01T11:00:00.000Z']);
  });

  it('keeps one scheduled run waiting behind a long run of its stream, however many windows pass', async () => {
    const integration = await createFiredByHand();
    const { runScheduledPoll } = await import('./run.worker.ts');
    const hourly = { integrationId: integration.id, stream: 'items', everyMs: 3_600_000 };
    // A long run of the stream (a backfill, say) holds it while four hourly windows fire.
    const now = new Date();
    const long = await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'full',
        idempotency_key: `${integration.id}:items:long-backfill`, status: 'running', started_at: now, heartbeat_at: now, attempts: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const hour of ['10', '11', '12', '13']) await runScheduledPoll(test.hub, hourly, new Date(`2030-01-01T${hour}:00:01.000Z`));
    const scheduled = () => test.hub.db.selectFrom('integration_runs').select(['id', 'status', 'window_start']).where('integration_id', '=', integration.id).where('trigger', '=', 'schedule').execute();
    const waiting = await scheduled();
    expect(waiting.map((run) => [run.status, run.window_start?.toISOString()])).toEqual([['queued', '2030-01-01T10:00:00.000Z']]);
    const metrics = await (await test.request('get', '/metrics')).text();
    expect(metrics).toMatch(/hub_scheduled_polls_skipped_total\{connector="testkit"\} [3-9]/);

    // The long run ends: the one waiting run polls, and a window after it makes a run again.
    await test.hub.db.updateTable('integration_runs').set({ status: 'succeeded', finished_at: new Date() }).where('id', '=', long.id).execute();
    await waitRun(test, tenant, waiting[0]!.id);
    await runScheduledPoll(test.hub, hourly, new Date('2030-01-01T14:00:01.000Z'));
    expect((await scheduled()).map((run) => [run.status, run.window_start?.toISOString()])).toEqual([
      ['succeeded', '2030-01-01T10:00:00.000Z'],
      ['succeeded', '2030-01-01T14:00:00.000Z'],
    ]);
  });

  it('does not wait behind a scheduled run that lost its job when nothing else of the stream runs', async () => {
    const integration = await createFiredByHand();
    const { runScheduledPoll } = await import('./run.worker.ts');
    const hourly = { integrationId: integration.id, stream: 'items', everyMs: 3_600_000 };
    // Made but never claimed (its process died in between), and nothing queued to run it.
    await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'schedule', mode: 'incremental',
        idempotency_key: `${integration.id}:items:2030-01-01T09:00:00.000Z`, window_start: new Date('2030-01-01T09:00:00.000Z'), status: 'queued',
      })
      .execute();
    await runScheduledPoll(test.hub, hourly, new Date('2030-01-01T10:00:01.000Z'));
    const runs = await test.hub.db.selectFrom('integration_runs').select(['status', 'window_start']).where('integration_id', '=', integration.id).orderBy('window_start').execute();
    expect(runs.map((run) => [run.status, run.window_start?.toISOString()])).toEqual([
      ['queued', '2030-01-01T09:00:00.000Z'],
      ['succeeded', '2030-01-01T10:00:00.000Z'],
    ]);
  });

  it('counts polled events, and failure events, in hub_events_total by source', async () => {
    const counted = async (source: string) =>
      Number(new RegExp(`hub_events_total\\{source="${source}"\\} (\\d+)`).exec(await (await test.request('get', '/metrics')).text())?.[1] ?? 0);
    const counting = `counting-${Math.random()}`;
    testkitUpstream(counting).records.set('m1', { n: 1 }).set('m2', { n: 2 });
    const integration = await createIntegration({ config: { dataset: counting } });
    const [polled, system] = [await counted('poll'), await counted('system')];
    await syncAndWait(integration.id);
    expect(await counted('poll')).toBe(polled + 2);
    testkitUpstream(counting).failures.push({ code: 'permission_denied' });
    await syncAndWait(integration.id);
    expect(await counted('system')).toBe(system + 1);
  });

  it('reports health per integration', async () => {
    const integration = await createIntegration();
    await syncAndWait(integration.id);
    const healthy = await (await test.request('get', `/api/integrations/${integration.id}`, { token: tenant.tokens.viewer })).json();
    expect(healthy.health).toMatchObject({ status: 'healthy', successRate24h: 1, breaker: 'closed', openTasks: 0, backlog: expect.any(Number) });
    expect(healthy.health.lastSuccessAt).not.toBeNull();
    expect(healthy.health.p95LatencyMs).toEqual(expect.any(Number));
    expect(healthy.credentials).toEqual({ set: true, hint: '••••', expiresAt: null, previousAcceptedUntil: null });
    expect(JSON.stringify(healthy)).not.toContain('kit-token-123456');
    const metrics = await (await test.request('get', '/metrics')).text();
    expect(metrics).toContain(`hub_integration_status{integration_id="${integration.id}",integration="${integration.name}",connector="testkit",environment="production",status="healthy"} 1`);
    expect(metrics).toContain(`hub_integration_success_rate_24h{integration_id="${integration.id}"`);
    await test.request('post', `/api/integrations/${integration.id}/pause`, { token: tenant.tokens.operator });
    const paused = await (await test.request('get', `/api/integrations/${integration.id}`, { token: tenant.tokens.viewer })).json();
    expect(paused.health.status).toBe('paused');
  });
});
