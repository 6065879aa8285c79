import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { nextTaskNumber } from './task.repository.ts';

// A task's alert runs are stored in the transaction that opens or changes the task. Stored after
// it, a connection lost in between (a failover, pg_terminate_backend) left an open task whose
// alert no later failure would post (a repeat only updates the task), or an acknowledged task
// whose Slack message still said open. A trigger raising what a client sees when its backend is
// terminated stands in for the lost connection.

describe('task alerts stored with their task, on PostgreSQL + BullMQ', { timeout: 60_000 }, () => {
  let test: TestHub;
  let tenant: TestTenant;
  let slack: FakeSlack;
  let servicenow: FakeServiceNow;
  let slackIntegrationId = '';

  beforeAll(async () => {
    slack = await startFakeSlack();
    servicenow = await startFakeServiceNow({ auth: { basic: { user: 'svc', pass: 'right-password' } } });
    test = await startTestHub({
      label: 'alert_with_task',
      database: 'postgres',
      queue: 'bullmq',
      workers: true,
      env: { HUB_RUN_LEASE_SECONDS: '2', HUB_RECONCILE_INTERVAL_SECONDS: '1' },
    });
    tenant = await test.createTenant('acme');
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'slack', name: 'Slack', config: { alertChannel: 'C0ALERTS', slackApiUrl: slack.apiUrl }, credentials: { botToken: slack.botToken, signingSecret: 'slack-signing-secret-0123456789' } },
    });
    expect(created.status).toBe(201);
    slackIntegrationId = (await created.json()).id;
  });
  afterAll(async () => {
    await test?.close();
    await slack?.close();
    await servicenow?.close();
  });

  /** The next insert of an alert run of `action` fails as if its connection had been terminated; later ones go through. */
  async function dropConnectionOnce(action: string): Promise<void> {
    const name = action.replace('.', '_');
    await sql`create sequence ${sql.raw(`${name}_once`)}`.execute(test.hub.db);
    await sql`
      create function ${sql.raw(`${name}_drop`)}() returns trigger language plpgsql as $$
      begin
        -- Nested: in one condition PostgreSQL may count the other runs' inserts first.
        if new.action = ${sql.lit(action)} then
          if nextval(${sql.lit(`${name}_once`)}) = 1 then
            raise exception 'terminating connection due to administrator command' using errcode = '57P01';
          end if;
        end if;
        return new;
      end $$`.execute(test.hub.db);
    await sql`create trigger ${sql.raw(`${name}_drop`)} before insert on integration_runs for each row execute function ${sql.raw(`${name}_drop`)}()`.execute(test.hub.db);
  }

  it('posts a new task\'s alert once the run that failed is retried, when the first attempt lost its connection', async () => {
    await dropConnectionOnce('task_alert.post');
    const failing = await (
      await test.request('post', '/api/integrations', {
        token: tenant.tokens.admin,
        body: { connector: 'servicenow', name: 'SN prod', config: { instanceUrl: servicenow.url }, credentials: { auth: { type: 'basic', username: 'svc', password: 'wrong-password' } }, schedules: SERVICENOW_SCHEDULES_OFF },
      })
    ).json();
    const { runs } = await (await test.request('post', `/api/integrations/${failing.id}/sync`, { token: tenant.tokens.operator, body: { stream: 'incident' } })).json();
    const run = await waitFor('the run to fail for good', async () => {
      const row = await test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', runs[0].id).executeTakeFirstOrThrow();
      return row.status === 'failed' ? row : undefined;
    }, 30_000);
    expect(run.error_code).toBe('auth_invalid');
    const [dropped] = (await sql<{ last_value: string }>`select last_value from task_alert_post_once`.execute(test.hub.db)).rows;
    expect(Number(dropped?.last_value), 'the first alert insert lost its connection').toBeGreaterThanOrEqual(1);

    const tasks = await test.hub.db.selectFrom('tasks').selectAll().where('integration_id', '=', failing.id).execute();
    expect(tasks.map((task) => task.status)).toEqual(['open']);
    const posted = await waitFor('the alert to be posted', async () => {
      const alertRuns = await test.hub.db.selectFrom('integration_runs').select(['action', 'status']).where('action', '=', 'task_alert.post').where('input', '@>', JSON.stringify({ taskId: tasks[0]!.id })).execute();
      return alertRuns.length > 0 && alertRuns.every((alert) => alert.status === 'succeeded') ? alertRuns : undefined;
    }, 15_000);
    expect(posted).toHaveLength(1);
    expect(slack.messages.filter((message) => message.channel === 'C0ALERTS' && !message.thread_ts && JSON.stringify(message.blocks).includes(`TASK-${tasks[0]!.number}`))).toHaveLength(1);
  });

  it('leaves a task unacknowledged when its alert update cannot be stored, and acknowledges it with the update on a retry', async () => {
    const number = await nextTaskNumber(test.hub.db, tenant.id);
    const task = await test.hub.db
      .insertInto('tasks')
      .values({ tenant_id: tenant.id, number, integration_id: null, code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', title: 't', severity: 'high', status: 'open' })
      .returningAll()
      .executeTakeFirstOrThrow();
    await test.hub.db.insertInto('task_alerts').values({ tenant_id: tenant.id, task_id: task.id, integration_id: slackIntegrationId, channel: 'C0ALERTS', ts: '1700000000.000100' }).execute();
    await dropConnectionOnce('task_alert.update');

    const lost = await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: {} });
    expect(lost.status).toBeGreaterThanOrEqual(500);
    const updates = () => test.hub.db.selectFrom('integration_runs').select('id').where('action', '=', 'task_alert.update').where('input', '@>', JSON.stringify({ taskId: task.id })).execute();
    expect((await test.hub.db.selectFrom('tasks').select('status').where('id', '=', task.id).executeTakeFirstOrThrow()).status).toBe('open');
    expect(await updates()).toEqual([]);

    const acked = await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: {} });
    expect(acked.status).toBe(200);
    expect(await updates()).toHaveLength(1);
  });
});
