import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSlack } from '../../test-support/fake-slack/index.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { startSlackWorld, type SlackWorld } from './slack-world.testing.ts';
import { pauseTaskChangeCommits } from './task-commit-pause.testing.ts';

// A route posting an alert tied to a task (action `alert` with taskId) while the task is
// acknowledged. The route draws its alert from the failure event with the task open, posts it,
// then saves where it landed. An acknowledgement that looked for the task's saved alerts before
// that save, and committed before the save could lock the task, leaves the route's alert with no
// update queued: only a second look after the save (as the task's own post run makes) sees it.
// A pause, held by an advisory lock from the test's own connection, keeps the acknowledgement from
// committing until the route's save waits for it. PostgreSQL only: PGlite runs one transaction at
// a time, so nothing can fall in between.

/** Advisory lock key the pause waits on. */
const COMMIT_CHANGE = 7_202;
const ROUTE_CHANNEL = 'C0ROUTE';

describe('a task acknowledged while a route posts its alert, on PostgreSQL + BullMQ', { timeout: 60_000 }, () => {
  let world: SlackWorld;
  let test: TestHub;
  let tenant: TestTenant;
  let slack: FakeSlack;
  let slackIntegration: { id: string };
  let holder: pg.Client;

  beforeAll(async () => {
    world = await startSlackWorld({ database: 'postgres', queue: 'bullmq' });
    ({ test, tenant, slack, slackIntegration } = world);
    holder = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
    await holder.connect();
    // Committing a change of a task waits (at COMMIT, after everything else it did, the search
    // for its alerts included) while the test holds COMMIT_CHANGE.
    await pauseTaskChangeCommits(test.hub.db, COMMIT_CHANGE);
  });
  afterAll(async () => {
    await holder?.end();
    await world?.close();
  });

  /** Sessions of the test database waiting for a lock (a fresh look each time). */
  async function waitingForLocks(): Promise<number> {
    const { rows } = await holder.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    return rows[0].n as number;
  }

  it('updates the route\'s alert to show the acknowledgement committed while it was posted', async () => {
    const task = await world.newFailingTask('SN route meets ack');
    const { integration_id: failingId } = await test.hub.db.selectFrom('tasks').select('integration_id').where('id', '=', task.id).executeTakeFirstOrThrow();
    await world.alertRunsSettled();
    // The route comes after the failure, whose replay below is then what it acts on: the replay
    // is the one moment the route posts, which the test can place inside the acknowledgement.
    const route = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: {
        name: 'failures to the route channel',
        filter: { sourceIntegrationId: failingId, eventType: 'failure.*' },
        targetIntegrationId: slackIntegration.id,
        action: 'alert',
        inputTemplate: { channel: ROUTE_CHANNEL, title: 'Routed {{event.payload.code}}', taskId: '{{event.payload.taskId}}', taskKey: '{{event.payload.taskKey}}' },
      },
    });
    expect(route.status).toBe(201);
    const failure = await test.hub.db
      .selectFrom('integration_events')
      .select('id')
      .where('integration_id', '=', failingId)
      .where('type', 'like', 'failure.%')
      .executeTakeFirstOrThrow();

    await holder.query('select pg_advisory_lock($1)', [COMMIT_CHANGE]);
    let pauseHeld = true;
    try {
      const acked = test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: {} });
      await waitFor('the acknowledgement to wait at its commit, having found no alert of the route', async () => (await waitingForLocks()) >= 1);

      expect((await test.request('post', `/api/events/${failure.id}/replay`, { token: tenant.tokens.operator, body: {} })).status).toBe(202);
      // The route drew the task open and posted; saving where the alert landed waits for the task row.
      await waitFor('the route to post and its save to wait', async () => slack.messages.some((m) => m.channel === ROUTE_CHANNEL) && (await waitingForLocks()) >= 2);

      await holder.query('select pg_advisory_unlock($1)', [COMMIT_CHANGE]);
      pauseHeld = false;
      expect((await acked).status).toBe(200);
    } finally {
      if (pauseHeld) await holder.query('select pg_advisory_unlock_all()');
    }

    await waitFor('the route alert record', () => test.hub.db.selectFrom('task_alerts').select('id').where('channel', '=', ROUTE_CHANNEL).executeTakeFirst());
    await world.alertRunsSettled();
    const posted = slack.messages.find((m) => m.channel === ROUTE_CHANNEL && !m.thread_ts)!;
    expect(JSON.stringify(slack.latest(posted.channel, posted.ts)!.blocks)).toContain('*Acknowledged*');
  });
});
