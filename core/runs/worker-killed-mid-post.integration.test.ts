import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { hubFleet, type HubFleet } from '../../test-support/hub-fleet.ts';
import { incidentDelivery, routeIncidentsToSlack, type IncidentsToSlack } from '../../test-support/incidents-to-slack.ts';
import { privateRedis, type PrivateRedis } from '../../test-support/private-redis.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../../test-support/test-database.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// README: an action whose process died while it ran may already have taken effect upstream, so a
// Slack post "fails with run_interrupted at once rather than act twice". A worker is SIGKILLed holding Slack posts that Slack made but had not yet answered, beside
// a second worker that shares a one-second poll schedule with it. The survivor settles every run
// (each post made at most once), the interruptions raise one task, and no schedule window runs twice.

const DELIVERIES = 40;
const POLLED_RECORDS = 5;

let database: TestDatabase;
let redis: PrivateRedis;
let slack: FakeSlack;
let servicenow: FakeServiceNow;
let fleet: HubFleet;
let route: IncidentsToSlack;
let polledId = '';
let sql: pg.Client | undefined;

beforeAll(async () => {
  database = await createTestDatabase('worker_killed_mid_post');
  redis = await privateRedis();
  // Each post is made at once and answered 1.5 s later: long enough to kill a worker in between.
  slack = await startFakeSlack({ answerDelayMs: 1500 });
  servicenow = await startFakeServiceNow();
  servicenow.records.seed('sc_task', POLLED_RECORDS);
  fleet = hubFleet({ databaseUrl: database.url, redisUrl: redis.url, queuePrefix: uniquePrefix('killed-mid-post') });
  await fleet.boot(['api', 'api']);
  route = await routeIncidentsToSlack(fleet, slack);
  const polled = await fleet.api('POST', '/api/integrations', {
    connector: 'servicenow', name: 'SN polled', config: { instanceUrl: servicenow.url },
    credentials: { auth: { type: 'basic', username: 'svc', password: 'pw-123456' } },
    schedules: SERVICENOW_SCHEDULES_OFF,
  });
  expect(polled.status, JSON.stringify(polled.json)).toBe(201);
  polledId = polled.json.id;
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
}, 90_000);

afterAll(async () => {
  await sql?.end();
  await fleet?.kill();
  await redis?.stop();
  await slack?.close();
  await servicenow?.close();
  await database?.drop();
});

/** Schedules written to the row: one second is below what the API accepts, and the workers' keeper picks it up. */
async function setPollSchedules(schedules: Record<string, unknown>): Promise<void> {
  await sql!.query('update integration_configs set schedules = $1 where id = $2', [JSON.stringify(schedules), polledId]);
}

async function deliver(n: number): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${fleet.apiPorts[n % fleet.apiPorts.length]}/hooks/${route.sourceId}`, incidentDelivery(route, n));
  expect(response.status).toBe(202);
  return ((await response.json()) as { eventIds: string[] }).eventIds;
}

async function count(query: string, values: unknown[] = []): Promise<number> {
  const { rows } = await sql!.query<{ n: number }>(`select count(*)::int as n from (${query}) as counted`, values);
  return rows[0]!.n;
}

describe('a worker SIGKILLed with Slack posts in flight', { timeout: 150_000 }, () => {
  it('ends the interrupted posts run_interrupted without posting them again, with one task, and runs each poll window once', async () => {
    // Eight at a time, so the doomed worker holds several posts when it dies.
    const doomed = fleet.spawn('worker', { HUB_WORKER_CONCURRENCY: '8' });
    const survivor = fleet.spawn('worker');
    await Promise.all([doomed.started, survivor.started]);
    await setPollSchedules({ ...SERVICENOW_SCHEDULES_OFF, sc_task: { everySeconds: 1 } });

    const accepted: string[] = [];
    for (let n = 0; n < DELIVERIES; n++) accepted.push(...(await deliver(n)));
    expect(accepted).toHaveLength(DELIVERIES);
    await waitFor('posts in flight', async () => (await count(`select 1 from integration_runs where kind = 'action' and status = 'running'`)) >= 4, 30_000);
    await sleep(300);
    await doomed.stop('SIGKILL');
    // Windows on the survivor alone until one of them has run, then the schedule off so the runs
    // can settle. A fixed wait was not enough on a loaded machine: the survivor, busy with the
    // posts, claimed every fire only after the schedule was off, and so cancelled them all.
    await sleep(2000);
    await waitFor('a scheduled poll succeeded on the survivor', async () =>
      (await count(`select 1 from integration_runs where integration_id = $1 and trigger = 'schedule' and status = 'succeeded'`, [polledId])) > 0,
    60_000);
    await setPollSchedules(SERVICENOW_SCHEDULES_OFF);

    await waitFor('every event routed and every run settled', async () =>
      (await count(`select 1 from integration_events where status = 'pending'`)) === 0 &&
      (await count(`select 1 from integration_runs where status in ('queued', 'running')`)) === 0 &&
      (await count(`select 1 from integration_runs where kind = 'action' and trigger = 'route'`)) === DELIVERIES,
    90_000).catch(async (error: Error) => {
      const { rows } = await sql!.query(`select kind, trigger, status, error_code, count(*)::int from integration_runs group by 1, 2, 3, 4`);
      throw new Error(`${error.message}: runs ${JSON.stringify(rows)}`);
    });

    const { rows: actions } = await sql!.query<{ status: string; error_code: string | null }>(`select status, error_code from integration_runs where kind = 'action' and trigger = 'route'`);
    const succeeded = actions.filter((run) => run.status === 'succeeded');
    const interrupted = actions.filter((run) => run.status === 'failed');
    expect(interrupted.map((run) => run.error_code)).toEqual(interrupted.map(() => 'run_interrupted'));
    expect(succeeded.length + interrupted.length).toBe(DELIVERIES);
    // An interrupted post may have been made (Slack acted, the answer never came back), but never twice.
    const posted = slack.messages.map((message) => message.text).filter((text) => text?.startsWith('INC'));
    expect(posted.length, 'no incident posted twice').toBe(new Set(posted).size);
    expect(posted.length).toBeGreaterThanOrEqual(succeeded.length);

    // One task per (integration, code) at a time, however many runs it stands for, and one failure
    // event per run. A post the survivor made after an interruption resolves the task (the next
    // success resolves it), so a later interruption opens the next one: never two unresolved at once.
    const { rows: tasks } = await sql!.query<{ code: string; occurrences: number; status: string; opened_at: Date; resolved_at: Date | null }>(
      'select code, occurrences, status, opened_at, resolved_at from tasks where integration_id = $1 order by opened_at, id', [route.slackId]);
    expect(tasks.map((task) => task.code)).toEqual(tasks.map(() => 'run_interrupted'));
    expect(tasks.reduce((sum, task) => sum + task.occurrences, 0), 'every interruption counted in a task').toBe(interrupted.length);
    expect(tasks.slice(0, -1).map((task) => task.status)).toEqual(tasks.slice(0, -1).map(() => 'resolved'));
    for (const [n, task] of tasks.slice(1).entries()) expect(task.opened_at >= tasks[n]!.resolved_at!, 'opened after the one before was resolved').toBe(true);
    expect(await count(`select 1 from integration_events where integration_id = $1 and type = 'failure.run_interrupted'`, [route.slackId])).toBe(interrupted.length);

    const { rows: scheduled } = await sql!.query<{ window_start: Date; status: string; error_message: string | null }>(
      `select window_start, status, error_message from integration_runs where integration_id = $1 and trigger = 'schedule'`, [polledId]);
    expect(new Set(scheduled.map((run) => run.window_start.toISOString())).size, 'one run per window').toBe(scheduled.length);
    expect(scheduled.filter((run) => run.status === 'succeeded').length).toBeGreaterThan(0);
    // Only a fire made before the schedule went off and claimed after it (the survivor was busy with
    // the posts) may end otherwise: cancelled, as README says.
    const others = scheduled.filter((run) => run.status !== 'succeeded');
    expect(others.map((run) => [run.status, run.error_message])).toEqual(others.map(() => ['cancelled', 'the schedule of stream sc_task was switched off']));
    expect(await count(`select 1 from integration_events where integration_id = $1 and source = 'poll'`, [polledId])).toBe(POLLED_RECORDS);

    expect(survivor.child.exitCode).toBeNull();
    for (const port of fleet.apiPorts) expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
  });
});
