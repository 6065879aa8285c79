import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { walkKeysetPages } from '../../test-support/keyset-pages.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { nextTaskNumber } from './task.repository.ts';

interface ListedTask {
  id: string;
  key: string;
  code: string;
  status: string;
  openedAt: string;
}

// Failures of many integrations at once open tasks in one instant; a list capped at one page hid
// the oldest tasks from the API (README, API: GET /api/tasks).
describe.each(RUNTIME_MODES)('listing tasks on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let integrationId = '';
  const instant = '2030-01-01T00:00:00.123';

  beforeAll(async () => {
    test = await startTestHub({ label: 'task_list', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
    integrationId = (await createTestkitIntegration(test, tenant, 'task-list')).id;
    // Five tasks within one millisecond, two pairs sharing one microsecond; one open per code.
    const rows = [['900', 'auth_invalid', 'open'], ['600', 'rate_limited', 'acknowledged'], ['600', 'network_error', 'resolved'], ['300', 'config_invalid', 'open'], ['300', 'circuit_open', 'resolved']] as const;
    for (const [micros, code, status] of rows) {
      const number = await nextTaskNumber(test.hub.db, tenant.id);
      await sql`insert into tasks (tenant_id, number, integration_id, code, runbook, title, severity, status, opened_at)
        values (${tenant.id}, ${number}, ${integrationId}, ${code}, ${`runbooks/${code}.md`}, 't', 'high', ${status}, ${`${instant}${micros}Z`}::timestamptz)`.execute(test.hub.db);
    }
  });
  afterAll(async () => {
    await test?.close();
  });

  async function page(query: string): Promise<ListedTask[]> {
    const response = await test.request('get', `/api/tasks?${query}`, { token: tenant.tokens.viewer });
    expect(response.status).toBe(200);
    return (await response.json()).tasks;
  }

  it.each([1, 2, 4])('walks every task once, newest first, %i per page', async (limit) => {
    const all = await page(`integrationId=${integrationId}&limit=10`);
    expect(all.map((task) => task.openedAt)).toEqual([`${instant}900Z`, `${instant}600Z`, `${instant}600Z`, `${instant}300Z`, `${instant}300Z`]);
    const seen = await walkKeysetPages(page, `integrationId=${integrationId}&limit=${limit}`, (task: ListedTask) => task.openedAt);
    expect(seen.map((task) => task.id)).toEqual(all.map((task) => task.id));
  });

  it('lists the unresolved tasks (open and acknowledged) together', async () => {
    const unresolved = await page(`integrationId=${integrationId}&status=unresolved`);
    expect(unresolved.map((task) => task.status).sort()).toEqual(['acknowledged', 'open', 'open']);
  });

  it('lists the tasks of one environment', async () => {
    const staging = (await createTestkitIntegration(test, tenant, 'task-list-staging', { environment: 'staging' })).id as string;
    const number = await nextTaskNumber(test.hub.db, tenant.id);
    await sql`insert into tasks (tenant_id, number, integration_id, code, runbook, title, severity, status)
      values (${tenant.id}, ${number}, ${staging}, 'auth_invalid', 'runbooks/auth_invalid.md', 't', 'high', 'open')`.execute(test.hub.db);
    expect((await page('environment=staging')).map((task) => task.key)).toEqual([`TASK-${number}`]);
    const production = await page('environment=production&limit=100');
    expect(production).toHaveLength(5);
    expect(production.map((task) => task.key)).not.toContain(`TASK-${number}`);
    const unknown = await test.request('get', '/api/tasks?environment=dev', { token: tenant.tokens.viewer });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.code).toBe('validation_failed');
  });

  it('lists the tasks of one failure code', async () => {
    expect((await page(`integrationId=${integrationId}&code=rate_limited`)).map((task) => [task.code, task.status])).toEqual([['rate_limited', 'acknowledged']]);
    expect(await page(`integrationId=${integrationId}&code=signature_invalid`)).toEqual([]);
    const unknown = await test.request('get', '/api/tasks?code=no_such_code', { token: tenant.tokens.viewer });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.code).toBe('validation_failed');
  });

  it('refuses a beforeId without before, and an unknown status', async () => {
    const withoutBefore = await test.request('get', `/api/tasks?beforeId=${integrationId}`, { token: tenant.tokens.viewer });
    expect(withoutBefore.status).toBe(400);
    expect((await test.request('get', '/api/tasks?status=closed', { token: tenant.tokens.viewer })).status).toBe(400);
  });

  it('finds, acknowledges and resolves a task by its key as well as its id', async () => {
    // Last, and a task of its own: the others are the lists' fixture, which counts every task.
    const own = (await createTestkitIntegration(test, tenant, 'task-by-key')).id;
    const number = await nextTaskNumber(test.hub.db, tenant.id);
    await sql`insert into tasks (tenant_id, number, integration_id, code, runbook, title, severity, status)
      values (${tenant.id}, ${number}, ${own}, 'auth_invalid', 'runbooks/auth_invalid.md', 't', 'high', 'open')`.execute(test.hub.db);
    const [open] = (await page(`integrationId=${own}`)) as [ListedTask];
    expect(open.key).toBe(`TASK-${number}`);
    const byKey = await test.request('get', `/api/tasks/${open.key}`, { token: tenant.tokens.viewer });
    expect(byKey.status).toBe(200);
    expect((await byKey.json()).id).toBe(open.id);
    expect((await test.request('get', `/api/tasks/${open.key.toLowerCase()}`, { token: tenant.tokens.viewer })).status).toBe(200);
    const acked = await test.request('post', `/api/tasks/${open.key}/ack`, { token: tenant.tokens.operator, body: { note: 'on it' } });
    expect(acked.status).toBe(200);
    expect(await acked.json()).toMatchObject({ id: open.id, status: 'acknowledged' });
    const resolved = await test.request('post', `/api/tasks/${open.key}/resolve`, { token: tenant.tokens.operator, body: {} });
    expect(await resolved.json()).toMatchObject({ id: open.id, status: 'resolved' });

    expect((await test.request('get', '/api/tasks/TASK-999999', { token: tenant.tokens.viewer })).status).toBe(404);
    const malformed = await test.request('get', '/api/tasks/TASK-x', { token: tenant.tokens.viewer });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.fields).toEqual([{ path: 'params.id', message: "expected the task's id (a UUID) or its key, such as TASK-42" }]);
  });
});
