import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, insertPendingEvent } from '../../test-support/testkit-integration.ts';
import { nextTaskNumber } from './task.repository.ts';
import { resolveIntegrationTasksIn } from './task.service.ts';

// One item, one timestamp: the lists answer receivedAt / openedAt with the microseconds PostgreSQL
// stored (the next page's `before`), and so must every other answer that shows the same item. And a
// task's history lists its steps in the order they happened.

const AT = '2030-01-01T00:00:00.123456Z';

async function openTask(test: TestHub, tenant: TestTenant, integrationId: string, openedAt = AT): Promise<string> {
  const number = await nextTaskNumber(test.hub.db, tenant.id);
  const { rows } = await sql<{ id: string }>`insert into tasks (tenant_id, number, integration_id, code, runbook, title, severity, status, opened_at)
    values (${tenant.id}, ${number}, ${integrationId}, ${`auth_invalid_${number}`}, 'runbooks/auth_invalid.md', 't', 'high', 'open', ${openedAt}::timestamptz) returning id`.execute(test.hub.db);
  return rows[0]!.id;
}

describe.each(RUNTIME_MODES)('timestamps at full precision in single-item answers ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let integrationId = '';
  beforeAll(async () => {
    test = await startTestHub({ label: 'full_precision', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
    integrationId = (await createTestkitIntegration(test, tenant, `precision-${options.database}`)).id;
  });
  afterAll(async () => {
    await test?.close();
  });

  it('a replay answers the receivedAt the event list shows', async () => {
    const id = await insertPendingEvent(test, tenant, integrationId, 'e1', new Date('2030-01-01T00:00:00.123Z'));
    await sql`update integration_events set received_at = ${AT}::timestamptz where id = ${id}`.execute(test.hub.db);
    const listed = (await (await test.request('get', `/api/events?integrationId=${integrationId}`, { token: tenant.tokens.viewer })).json()).events[0];
    expect(listed.receivedAt).toBe(AT);
    const replay = await test.request('post', `/api/events/${id}/replay`, { token: tenant.tokens.operator });
    expect(replay.status).toBe(202);
    expect((await replay.json()).receivedAt).toBe(AT);
  });

  it('a task, its ack and its resolve answer the openedAt the task list shows', async () => {
    const id = await openTask(test, tenant, integrationId);
    const listed = (await (await test.request('get', `/api/tasks?integrationId=${integrationId}&limit=100`, { token: tenant.tokens.viewer })).json()).tasks.find((task: { id: string }) => task.id === id);
    expect(listed.openedAt).toBe(AT);
    expect((await (await test.request('get', `/api/tasks/${id}`, { token: tenant.tokens.viewer })).json()).openedAt).toBe(AT);
    const acked = await test.request('post', `/api/tasks/${id}/ack`, { token: tenant.tokens.operator });
    expect(acked.status).toBe(200);
    expect((await acked.json()).openedAt).toBe(AT);
    const resolved = await test.request('post', `/api/tasks/${id}/resolve`, { token: tenant.tokens.operator });
    expect(resolved.status).toBe(200);
    expect((await resolved.json()).openedAt).toBe(AT);
  });
});

describe('a task\'s history (PostgreSQL: two transactions at once)', () => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'task_history_order', database: 'postgres', queue: 'memory', connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('lists an ack before the resolve of a transaction that began earlier and wrote later', async () => {
    const integrationId = (await createTestkitIntegration(test, tenant, 'history')).id as string;
    const taskId = await openTask(test, tenant, integrationId, new Date().toISOString());
    // An integration delete begins (it may wait for the integration's lock), an operator acks
    // meanwhile, then the delete resolves the task.
    await test.hub.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      const acked = await test.request('post', `/api/tasks/${taskId}/ack`, { token: tenant.tokens.operator, body: { note: 'looking' } });
      expect(acked.status).toBe(200);
      await resolveIntegrationTasksIn(trx, integrationId, { actor: 'token:admin', why: 'the integration was deleted', now: test.hub.clock() });
    });
    const task = await (await test.request('get', `/api/tasks/${taskId}`, { token: tenant.tokens.viewer })).json();
    expect(task.status).toBe('resolved');
    expect(task.history.map((entry: { action: string }) => entry.action)).toEqual(['acknowledged', 'resolved']);
  });
});
