import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { spawnHub, type HubProcess } from '../../test-support/hub-process.ts';
import { startTestHub, TEST_MASTER_KEYS, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testRedisUrl } from '../../test-support/test-database.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { POLL_QUEUE, pollScheduleId } from '../scheduler/schedule.service.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';

// Real worker processes (`hub start` with HUB_ROLE=worker) on PostgreSQL and BullMQ: one killed
// with SIGKILL in the middle of a sync, and two sharing one schedule.

const RECORDS = 400;

let test: TestHub;
let tenant: TestTenant;
let fake: FakeServiceNow;
const workers: HubProcess[] = [];

function startWorker(env: Record<string, string> = {}): HubProcess {
  const worker = spawnHub(['start'], {
    NODE_ENV: 'production',
    HUB_ROLE: 'worker',
    DATABASE_URL: test.hub.config.DATABASE_URL ?? '',
    REDIS_URL: testRedisUrl(),
    HUB_QUEUE_PREFIX: test.hub.config.HUB_QUEUE_PREFIX,
    HUB_MASTER_KEYS: TEST_MASTER_KEYS,
    HUB_RUN_LEASE_SECONDS: '2',
    HUB_RECONCILE_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'info',
    ...env,
  });
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  fake = await startFakeServiceNow();
  test = await startTestHub({ label: 'workers', database: 'postgres', queue: 'bullmq' });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  await test?.close();
  await fake?.close();
});

async function createIntegration(name: string) {
  const response = await test.request('post', '/api/integrations', {
    token: tenant.tokens.admin,
    body: {
      connector: 'servicenow',
      name,
      config: { instanceUrl: fake.url, pageSize: 5 },
      credentials: { auth: { type: 'basic', username: 'svc', password: 'pw-123456' } },
      schedules: SERVICENOW_SCHEDULES_OFF,
    },
  });
  expect(response.status).toBe(201);
  return response.json();
}

/**
 * Starts a full sync of `stream` and returns once a few pages are committed and the worker has sent
 * the next page request, which hangs: the worker is stopped once it has sent it, rather than after a
 * fixed pause a busy worker may not send it in (the hang would then catch the next worker's first
 * page, for the client's 30 s timeout). The request logged first after this point is the hung one.
 */
async function syncUntilAPageHangs(integrationId: string, stream: string) {
  const { runs } = await (await test.request('post', `/api/integrations/${integrationId}/sync`, { token: tenant.tokens.operator, body: { stream, mode: 'full' } })).json();
  const runId = runs[0].id as string;
  const run = () => test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
  await waitFor('a few committed pages', async () => (await run()).pages >= 3);
  const before = fake.requests.length;
  fake.hang(1, `/api/now/table/${stream}`);
  await waitFor('the worker to send the page request that hangs', async () => fake.requests.slice(before).some((request) => request.path === `/api/now/table/${stream}`));
  return run;
}

describe('worker processes', { timeout: 150_000 }, () => {
  it('resumes a sync whose worker was killed with SIGKILL, losing and duplicating nothing', async () => {
    fake.records.seed('incident', RECORDS, (i) => ({ short_description: `Incident ${i}` }));
    const integration = await createIntegration('SN crash');
    const doomed = startWorker();
    await doomed.started;

    const run = await syncUntilAPageHangs(integration.id, 'incident');
    await doomed.stop('SIGKILL');
    const interrupted = await run();
    expect(interrupted.status).toBe('running');
    expect(interrupted.records_seen).toBeLessThan(RECORDS);

    // This one also serves its own /metrics and health on a probe port.
    const rescuer = startWorker({ HUB_PROBE_PORT: '0' });
    const probePort = await rescuer.started;
    expect(probePort).toBeGreaterThan(0);
    const finished = await waitFor('the run to be resumed and finished', async () => {
      const row = await run();
      return row.status === 'succeeded' ? row : undefined;
    }, 30_000);
    expect(finished.attempts).toBe(2);

    const stored = await test.hub.db
      .selectFrom('integration_records')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('integration_id', '=', integration.id)
      .executeTakeFirstOrThrow();
    expect(Number(stored.count)).toBe(RECORDS);
    const events = await test.hub.db.selectFrom('integration_events').select(['external_id']).where('integration_id', '=', integration.id).where('source', '=', 'poll').execute();
    expect(events).toHaveLength(RECORDS);
    expect(new Set(events.map((e) => e.external_id)).size).toBe(RECORDS);
    // The run it finished is counted in the worker's own metrics, where Prometheus can scrape it.
    const metrics = await (await fetch(`http://127.0.0.1:${probePort}/metrics`)).text();
    expect(metrics).toMatch(/hub_runs_total\{connector="servicenow",kind="poll",status="succeeded"\} 1/);
    expect(metrics).toMatch(/hub_events_total\{source="poll"\} [1-9]/);
    expect((await fetch(`http://127.0.0.1:${probePort}/api/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${probePort}/api/integrations`)).status).toBe(404);
    await rescuer.stop('SIGTERM');
  });

  it('hands a sync back when its worker is stopped with SIGTERM mid-poll, for another worker to finish at once', async () => {
    fake.records.seed('change_request', RECORDS, (i) => ({ short_description: `Change ${i}` }));
    const integration = await createIntegration('SN handed back');
    // A lease far longer than the test waits: only a hand-over, not the reconciler, can move the run on.
    const slowLease = { HUB_RUN_LEASE_SECONDS: '300', HUB_SHUTDOWN_TIMEOUT_MS: '20000' };
    const stopping = startWorker(slowLease);
    await stopping.started;
    const run = await syncUntilAPageHangs(integration.id, 'change_request');

    const stopStarted = performance.now();
    expect(await stopping.stop('SIGTERM')).toBe(0);
    // Not the 20 s budget the hung request would have held it for.
    expect(performance.now() - stopStarted).toBeLessThan(10_000);
    const handedBack = await run();
    // Its attempt given back: a stop is no failure, and restarts must not use up the run's budget.
    expect(handedBack).toMatchObject({ status: 'queued', attempts: 0, heartbeat_at: null, error_code: null });
    expect(handedBack.records_seen).toBeLessThan(RECORDS);

    const next = startWorker(slowLease);
    await next.started;
    const finished = await waitFor('the run to be finished by the next worker', async () => {
      const row = await run();
      return row.status === 'succeeded' ? row : undefined;
    }, 30_000);
    expect(finished.attempts).toBe(1);
    const events = await test.hub.db.selectFrom('integration_events').select(['external_id']).where('integration_id', '=', integration.id).where('source', '=', 'poll').execute();
    expect(events).toHaveLength(RECORDS);
    expect(new Set(events.map((e) => e.external_id)).size).toBe(RECORDS);
    await next.stop('SIGTERM');
  });

  it('makes one run per window when two workers share a schedule', async () => {
    const integration = await createIntegration('SN shared schedule');
    const [a, b] = [startWorker(), startWorker()];
    await Promise.all([a.started, b.started]);
    // A one-second schedule (below what the API accepts, so written to the row directly) so the
    // test sees several windows quickly, on a small table so each run ends within its window. The
    // workers' schedule keeper (a pass every second here) puts it in the queue from the row.
    fake.records.seed('sc_task', 3);
    const setSchedules = (schedules: unknown) =>
      test.hub.db.updateTable('integration_configs').set({ schedules: JSON.stringify(schedules) }).where('id', '=', integration.id).execute();
    await setSchedules({ ...SERVICENOW_SCHEDULES_OFF, sc_task: { everySeconds: 1 } });
    await waitFor('a keeper pass to schedule the stream', async () =>
      (await test.hub.queue.listSchedules(POLL_QUEUE)).some((schedule) => schedule.id === pollScheduleId(integration.id, 'sc_task') && schedule.every === 1000),
    );
    // Several windows, however slowly two busy workers get through them.
    const scheduledRuns = () => test.hub.db.selectFrom('integration_runs').selectAll().where('integration_id', '=', integration.id).where('trigger', '=', 'schedule').execute();
    // Three windows polled, not merely made: a run made but not yet claimed when the schedule goes
    // off below is rightly cancelled (run.worker.ts, scheduleSwitchedOff).
    await waitFor('three scheduled runs polled', async () => (await scheduledRuns()).filter((run) => run.status === 'succeeded').length >= 3, 30_000);
    await setSchedules({ ...SERVICENOW_SCHEDULES_OFF, sc_task: { enabled: false } });
    await test.hub.queue.removeSchedule(POLL_QUEUE, pollScheduleId(integration.id, 'sc_task'));
    // On a loaded machine the last fire may still be queued or running: wait for it to finish.
    await sleep(500);
    const runs = await waitFor('the scheduled runs to finish', async () => {
      const all = await scheduledRuns();
      return all.every((run) => run.status !== 'queued' && run.status !== 'running') && all;
    });
    expect(runs.length).toBeLessThanOrEqual(8);
    const windows = runs.map((run) => run.window_start?.toISOString());
    expect(new Set(windows).size).toBe(runs.length);
    const succeeded = runs.filter((run) => run.status === 'succeeded');
    expect(succeeded.length).toBeGreaterThanOrEqual(3);
    // Only a fire made before the switch-off and claimed after it may end otherwise: cancelled.
    const others = runs.filter((run) => run.status !== 'succeeded');
    expect(others.map((run) => [run.status, run.error_message])).toEqual(others.map(() => ['cancelled', 'the schedule of stream sc_task was switched off']));
    expect(runs.reduce((sum, run) => sum + run.records_new, 0)).toBe(3);
    await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')]);
  });
});
