import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { POLL_QUEUE, pollScheduleId } from '../scheduler/schedule.service.ts';
import { openOrUpdateTask } from '../tasks/task.service.ts';

// Deleting an integration is one step or none: its row goes with what cascades from it, its
// tasks are resolved and the deletion audited in the same transaction, and its schedules are
// removed after the commit. A delete that fails leaves all of that as it was.

const hourly = { schedules: { items: { everySeconds: 3600 } } };

async function scheduled(test: TestHub, integrationId: string): Promise<boolean> {
  return (await test.hub.queue.listSchedules(POLL_QUEUE)).some((schedule) => schedule.id === pollScheduleId(integrationId, 'items'));
}

async function openTask(test: TestHub, tenant: TestTenant, integration: { id: string; name: string }) {
  const { task } = await openOrUpdateTask(test.hub, { tenantId: tenant.id, integrationId: integration.id, integrationName: integration.name, code: 'auth_invalid', message: 'token refused', operation: null });
  return task;
}

async function taskStatus(test: TestHub, taskId: string) {
  return (await test.hub.db.selectFrom('tasks').select('status').where('id', '=', taskId).executeTakeFirstOrThrow()).status;
}

async function deletionAudits(test: TestHub, integrationId: string) {
  return test.hub.db.selectFrom('audit_log').select('id').where('action', '=', 'integration.deleted').where('target_id', '=', integrationId).execute();
}

describe.each(RUNTIME_MODES)('deleting an integration on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'integration-delete', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('removes its schedules, resolves its tasks and audits once; of concurrent deletes the others answer 404', async () => {
    const integration = await createTestkitIntegration(test, tenant, `delete-${randomUUID()}`, hourly);
    const task = await openTask(test, tenant, integration);
    expect(await scheduled(test, integration.id)).toBe(true);

    const remove = () => test.request('delete', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin });
    const answers = await Promise.all([remove(), remove(), remove()]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([204, 404, 404]);
    const refused = answers.find((answer) => answer.status === 404);
    expect((await refused?.json()).error.code).toBe('not_found');

    expect(await test.hub.db.selectFrom('integration_configs').select('id').where('id', '=', integration.id).executeTakeFirst()).toBeUndefined();
    expect(await deletionAudits(test, integration.id)).toHaveLength(1);
    expect(await taskStatus(test, task.id)).toBe('resolved');
    expect(await scheduled(test, integration.id)).toBe(false);
  });

  it('leaves the integration, its open tasks and its schedules as they were when the deletion fails', async () => {
    const integration = await createTestkitIntegration(test, tenant, `undeletable-${randomUUID()}`, hourly);
    const task = await openTask(test, tenant, integration);
    // A failure inside the deleting transaction, after the tasks were resolved in it.
    await sql`create function refuse_integration_delete() returns trigger language plpgsql as $$ begin raise exception 'deletion refused for the test'; end $$`.execute(test.hub.db);
    await sql`create trigger refuse_integration_delete before delete on integration_configs for each row when (old.id = ${sql.lit(integration.id)}::uuid) execute function refuse_integration_delete()`.execute(test.hub.db);
    try {
      const answer = await test.request('delete', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin });
      expect(answer.status).toBe(500);
    } finally {
      await sql`drop trigger refuse_integration_delete on integration_configs`.execute(test.hub.db);
      await sql`drop function refuse_integration_delete()`.execute(test.hub.db);
    }

    expect(await test.hub.db.selectFrom('integration_configs').select('id').where('id', '=', integration.id).executeTakeFirst()).toBeDefined();
    expect(await taskStatus(test, task.id)).toBe('open');
    expect(await test.hub.db.selectFrom('task_history').select('action').where('task_id', '=', task.id).execute()).toEqual([{ action: 'opened' }]);
    expect(await deletionAudits(test, integration.id)).toEqual([]);
    expect(await scheduled(test, integration.id)).toBe(true);

    // Once the cause is gone, the same request deletes it.
    expect((await test.request('delete', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin })).status).toBe(204);
    expect(await taskStatus(test, task.id)).toBe('resolved');
  });
});

// The cascade of a delete to the integration's runs can deadlock with a worker claiming one of
// them (the claim holds the run and waits, through the one-running-run-per-stream index, for a run
// the delete has removed). A second session plays the claim here: it holds a run, lets the delete
// wait for it, then waits for the integration the delete holds. With its own deadlock_timeout long,
// the delete's session finds the deadlock first and PostgreSQL fails the delete to break it.
describe('deleting an integration that deadlocks with a claim of its run (PostgreSQL)', () => {
  let test: TestHub;
  let tenant: TestTenant;
  let claimer: pg.Client;
  let observer: pg.Client;

  beforeAll(async () => {
    test = await startTestHub({ label: 'integration-delete-deadlock', database: 'postgres', queue: 'memory', connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
    claimer = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
    observer = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
    await Promise.all([claimer.connect(), observer.connect()]);
  });
  afterAll(async () => {
    await claimer?.end();
    await observer?.end();
    await test?.close();
  });

  async function deleteWaitingForLock(): Promise<boolean> {
    const { rows } = await observer.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike 'delete from "integration_configs"%'`,
    );
    return rows[0]!.n > 0;
  }

  it('runs the delete again when PostgreSQL chose it as the victim: 204, and the integration, its tasks and schedules are gone', async () => {
    const integration = await createTestkitIntegration(test, tenant, `deadlock-${randomUUID()}`, hourly);
    const task = await openTask(test, tenant, integration);
    const sync = await test.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: {} });
    expect(sync.status).toBe(202);
    const [run] = (await sync.json()).runs;

    await claimer.query('begin');
    await claimer.query("set local deadlock_timeout = '60s'");
    await claimer.query('update integration_runs set heartbeat_at = now() where id = $1', [run.id]);
    const answer = test.request('delete', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin });
    try {
      await waitFor('the delete to wait for the claimed run', deleteWaitingForLock);
      // Returns once PostgreSQL failed the delete to break the cycle.
      await claimer.query('select id from integration_configs where id = $1 for key share', [integration.id]);
    } finally {
      await claimer.query('rollback');
    }

    const response = await answer;
    expect(response.status, await response.text()).toBe(204);
    expect(await test.hub.db.selectFrom('integration_configs').select('id').where('id', '=', integration.id).executeTakeFirst()).toBeUndefined();
    expect(await taskStatus(test, task.id)).toBe('resolved');
    expect(await deletionAudits(test, integration.id)).toHaveLength(1);
    expect(await scheduled(test, integration.id)).toBe(false);
  });
});
