import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSlack } from '../../test-support/fake-slack/index.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { startSlackWorld, type SlackWorld } from './slack-world.testing.ts';
import { pauseTaskChangeCommits } from './task-commit-pause.testing.ts';

// A task acknowledged just as its first alert is posted. The post run draws the task as open,
// posts it, then saves where it landed and looks whether the task changed meanwhile; the
// acknowledgement's transaction looks for the task's saved alerts to update them. Should the
// post's save and second look both fall between the acknowledgement's look and its commit, each
// misses the other (no alert saved yet; the task still open) and the alert says "open" for good
// with nothing left to run. Two pauses, held by advisory locks from the test's own connection,
// make the acknowledgement reach that window while the alert's save waits. PostgreSQL only:
// PGlite runs one transaction at a time, so nothing can fall in between.

/** Advisory lock keys the two pauses wait on. */
const SAVE_ALERT = 7_101;
const COMMIT_CHANGE = 7_102;

describe('a task acknowledged while its first alert is being saved, on PostgreSQL + BullMQ', { timeout: 60_000 }, () => {
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
    // Saving where an alert landed waits while the test holds SAVE_ALERT; committing a change of a
    // task waits (at COMMIT, after everything else it did) while the test holds COMMIT_CHANGE.
    await sql`create function pause_alert_save() returns trigger language plpgsql as $$
      begin perform pg_advisory_xact_lock(${sql.lit(SAVE_ALERT)}); return new; end $$`.execute(test.hub.db);
    await sql`create trigger pause_alert_save before insert on task_alerts for each row execute function pause_alert_save()`.execute(test.hub.db);
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

  it('shows the acknowledgement, whichever of the two got there first', async () => {
    await holder.query('select pg_advisory_lock($1), pg_advisory_lock($2)', [SAVE_ALERT, COMMIT_CHANGE]);
    let pausesHeld = true;
    try {
      const task = await world.newFailingTask('SN ack meets post');
      await waitFor('the alert to be posted and its save to wait', async () => slack.messages.some((m) => JSON.stringify(m.blocks).includes(task.key)) && (await waitingForLocks()) >= 1);

      const acked = test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: {} });
      // It waits either at its commit, having found no alert, or for the task row, should the
      // saving post run hold it. Either way it is under way.
      await waitFor('the acknowledgement to wait', async () => (await waitingForLocks()) >= 2);

      await holder.query('select pg_advisory_unlock($1)', [SAVE_ALERT]);
      await waitFor('the post run to finish', () =>
        test.hub.db
          .selectFrom('integration_runs')
          .select('id')
          .where('integration_id', '=', slackIntegration.id)
          .where('action', '=', 'task_alert.post')
          .where('status', '=', 'succeeded')
          .executeTakeFirst(),
      );
      await holder.query('select pg_advisory_unlock($1)', [COMMIT_CHANGE]);
      pausesHeld = false;
      expect((await acked).status).toBe(200);

      await world.alertRunsSettled();
      const posted = slack.messages.find((m) => m.channel === 'C0ALERTS' && !m.thread_ts && JSON.stringify(m.blocks).includes(task.key))!;
      expect(JSON.stringify(slack.latest(posted.channel, posted.ts)!.blocks)).toContain('*Acknowledged*');
    } finally {
      if (pausesHeld) await holder.query('select pg_advisory_unlock_all()');
    }
  });
});
