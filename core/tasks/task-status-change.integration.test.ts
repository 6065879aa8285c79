import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationRefused } from '../../connectors/sdk/operations.types.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { hubOperations } from '../chatops/hub-operations.ts';
import { createUser } from '../users/user.service.ts';
import { nextTaskNumber } from './task.repository.ts';

describe.each(RUNTIME_MODES)('acknowledging and resolving tasks on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'task-status', ...options });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  async function openTask() {
    const number = await nextTaskNumber(test.hub.db, tenant.id);
    return test.hub.db
      .insertInto('tasks')
      .values({ tenant_id: tenant.id, number, integration_id: null, code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', title: 't', severity: 'high', status: 'open' })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  const history = (taskId: string) => test.hub.db.selectFrom('task_history').selectAll().where('task_id', '=', taskId).orderBy('created_at').execute();
  const audits = (taskId: string) => test.hub.db.selectFrom('audit_log').selectAll().where('target_id', '=', taskId).execute();
  const statusOf = async (taskId: string) => (await test.hub.db.selectFrom('tasks').select('status').where('id', '=', taskId).executeTakeFirstOrThrow()).status;

  /**
   * On PostgreSQL, holds the task's row lock from another connection until every request has read
   * the task and waits to update it, so the requests really race; PGlite runs them one at a time.
   */
  async function racing<T>(taskId: string, requests: () => Promise<T>): Promise<T> {
    const url = test.hub.config.DATABASE_URL;
    if (!url) return requests();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from tasks where id = $1 for update', [taskId]);
      const answers = requests();
      await waitFor('the requests to wait for the task row', async () => {
        // A transaction sees one snapshot of pg_stat_activity unless told to take a fresh one.
        await holder.query('select pg_stat_clear_snapshot()');
        const { rows } = await holder.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        return rows[0].n >= 4;
      });
      await holder.query('rollback');
      return await answers;
    } finally {
      await holder.end();
    }
  }

  for (const [path, action] of [['resolve', 'resolved'], ['ack', 'acknowledged']] as const) {
    it(`lets one of four concurrent ${path} requests win and answers the others 409`, async () => {
      const task = await openTask();
      const answers = await racing(task.id, () =>
        Promise.all([1, 2, 3, 4].map(() => test.request('post', `/api/tasks/${task.id}/${path}`, { token: tenant.tokens.operator, body: {} }))),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409]);
      expect(await statusOf(task.id)).toBe(action);
      expect((await history(task.id)).map((row) => row.action)).toEqual([action]);
      expect((await audits(task.id)).map((row) => [row.action, row.actor_type, row.detail])).toEqual([[`task.${action}`, 'token', { key: `TASK-${task.number}` }]]);
    });
  }

  it('answers 409 for a resolved task and 404 for an unknown or foreign one', async () => {
    const task = await openTask();
    expect((await test.request('post', `/api/tasks/${task.id}/resolve`, { token: tenant.tokens.operator, body: {} })).status).toBe(200);
    const again = await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: {} });
    expect(again.status).toBe(409);
    expect((await again.json()).error.message).toBe(`TASK-${task.number} is resolved, not open`);
    const other = await test.createTenant(`other-${Math.random().toString(36).slice(2, 8)}`);
    expect((await test.request('post', `/api/tasks/${task.id}/resolve`, { token: other.tokens.operator, body: {} })).status).toBe(404);
  });

  /** Stands in for any failure after the status update: inserts into `table` about this task fail. */
  async function refusingInserts<T>(table: 'audit_log' | 'task_history', column: 'target_id' | 'task_id', taskId: string, body: () => Promise<T>): Promise<T> {
    await sql`create function refuse_insert() returns trigger language plpgsql as $$
      begin if new.${sql.raw(column)}::text = ${sql.lit(taskId)} then raise exception 'insert refused'; end if; return new; end $$`.execute(test.hub.db);
    await sql`create trigger refuse_insert before insert on ${sql.table(table)} for each row execute function refuse_insert()`.execute(test.hub.db);
    try {
      return await body();
    } finally {
      await sql`drop trigger refuse_insert on ${sql.table(table)}`.execute(test.hub.db);
      await sql`drop function refuse_insert()`.execute(test.hub.db);
    }
  }

  it('keeps the task as it was when its audit entry cannot be written', async () => {
    const task = await openTask();
    const failed = await refusingInserts('audit_log', 'target_id', task.id, () => test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: { note: 'looking' } }));
    expect(failed.status).toBe(500);
    expect(await statusOf(task.id)).toBe('open');
    expect(await history(task.id)).toEqual([]);

    const acked = await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: { note: 'looking' } });
    expect(acked.status).toBe(200);
    expect((await history(task.id)).map((row) => [row.action, row.note])).toEqual([['acknowledged', 'looking']]);
    expect((await audits(task.id)).map((row) => row.action)).toEqual(['task.acknowledged']);
  });

  it('keeps the task as it was when its history row cannot be written', async () => {
    const task = await openTask();
    const failed = await refusingInserts('task_history', 'task_id', task.id, () => test.request('post', `/api/tasks/${task.id}/resolve`, { token: tenant.tokens.operator, body: {} }));
    expect(failed.status).toBe(500);
    expect(await statusOf(task.id)).toBe('open');
    expect(await audits(task.id)).toEqual([]);
  });

  it('records a change from Slack with its audit entry, and refuses a second one politely', async () => {
    const user = await createUser(test.hub.db, { tenantId: tenant.id, email: `op-${Math.random().toString(36).slice(2, 8)}@example.com`, name: 'Op', role: 'operator', password: 'correct horse battery' });
    await test.hub.db.insertInto('chat_user_links').values({ tenant_id: tenant.id, platform: 'slack', team_id: 'T1', user_id: 'U42', hub_user_id: user.id, linked_by: 'test' }).execute();
    const task = await openTask();
    const operations = hubOperations(test.hub, tenant.id);
    const who = { platform: 'slack', teamId: 'T1', userId: 'U42', userName: 'op' } as const;
    expect(await operations.acknowledgeTask(who, `TASK-${task.number}`, 'on it')).toMatchObject({ status: 'acknowledged' });
    await expect(operations.acknowledgeTask(who, `TASK-${task.number}`)).rejects.toBeInstanceOf(OperationRefused);
    const [entry, ...more] = await audits(task.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      action: 'task.acknowledged',
      actor_type: 'slack',
      actor_id: 'T1:U42',
      detail: { slackUserId: 'U42', slackTeamId: 'T1', hubUserId: user.id, hubUser: user.email, key: `TASK-${task.number}` },
    });
    expect((await history(task.id)).map((row) => [row.action, row.actor, row.note])).toEqual([['acknowledged', `slack:T1:U42 op (${user.email})`, 'on it']]);
  });
});
