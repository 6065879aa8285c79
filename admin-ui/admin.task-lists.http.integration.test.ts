import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceNowViaApi, startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { createTestUser } from '../test-support/browser/admin-server.ts';
import type { CookieClient } from '../test-support/browser/cookie-client.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../test-support/schedules-off.ts';

// Where the admin UI lists remediation tasks — the task list, an integration's page, the health
// table's links — every task that is not resolved must be reachable: none dropped by a row limit,
// by a filter applied after the limit, or by a link to the wrong tab.

let fx: AdminHttpFixture;

beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_task_lists');
});
afterAll(async () => {
  await fx?.close();
});

function task(tenantId: string, integrationId: string | null, number: number, fields: Record<string, unknown>) {
  return {
    tenant_id: tenantId, number, integration_id: integrationId, code: 'rate_limited', runbook: 'rate_limited',
    title: `Task ${number}`, severity: 'medium', status: 'resolved' as const, last_error: null, updated_at: new Date(), ...fields,
  };
}

/** Task numbers on a list page and every page its Older links lead to. */
async function walkTaskPages(client: CookieClient, first: string): Promise<number[]> {
  const seen: number[] = [];
  let next: string | undefined = first;
  for (let pages = 0; next && pages < 10; pages++) {
    const response = await client.get(next);
    expect(response.status).toBe(200);
    seen.push(...[...response.body.matchAll(/>TASK-(\d+)</g)].map((match) => Number(match[1])));
    next = /<a class="button" href="([^"]+)">Older/.exec(response.body)?.[1]?.replaceAll('&amp;', '&');
  }
  return seen;
}

describe('task lists', () => {
  it('pages through every open task, including many opened in the same instant', async () => {
    const tenant = await fx.test.createTenant('many');
    const now = Date.now();
    // The oldest 60 share one instant, as tasks opened by one failing batch do: paging must keep the id too.
    const rows = Array.from({ length: 205 }, (_, i) =>
      task(tenant.id, null, 1 + i, { code: `code_${i}`, status: 'open', opened_at: new Date(i < 145 ? now - i * 60_000 : now - 145 * 60_000) }),
    );
    await fx.test.hub.db.insertInto('tasks').values(rows).execute();
    const client = await fx.signIn(await createTestUser(fx.test.hub.db, tenant.id, 'operator'), 'many');
    const first = await client.get('/admin/tasks?status=open');
    expect(first.body).toContain('<span class="count">205</span>');
    const seen = await walkTaskPages(client, '/admin/tasks?status=open');
    expect(seen).toHaveLength(205);
    expect(new Set(seen).size).toBe(205);
    expect(seen).toContain(205);
  });

  it("lists an integration's open task even when its 20 newest tasks are resolved", async () => {
    const id = await createServiceNowViaApi(fx.test, fx.acme, 'SN flapping');
    const now = Date.now();
    await fx.test.hub.db.insertInto('tasks').values(task(fx.acme.id, id, 5000, { code: 'auth_expired', runbook: 'auth_expired', title: 'Credentials expired', status: 'open', opened_at: new Date(now - 30 * 86_400_000) })).execute();
    const resolved = Array.from({ length: 20 }, (_, i) => task(fx.acme.id, id, 5001 + i, { opened_at: new Date(now - i * 3_600_000), resolved_at: new Date(now - i * 3_600_000 + 60_000), resolved_by: 'system' }));
    await fx.test.hub.db.insertInto('tasks').values(resolved).execute();

    const client = await fx.signIn(fx.operator);
    const page = await client.get(`/admin/integrations/${id}`);
    const openTasks = /<h2 id="tasks-title">Open tasks<\/h2>[\s\S]*?<\/section>/.exec(page.body)?.[0] ?? '';
    expect(openTasks).toContain('TASK-5000');
    expect(openTasks).not.toContain('TASK-5001');
    expect(openTasks).not.toContain('None. All clear.');
  });

  it('links "N open tasks" in the health table to a list of exactly those tasks, acknowledged ones included', async () => {
    const id = await createServiceNowViaApi(fx.test, fx.acme, 'SN acked task');
    await fx.test.hub.db
      .insertInto('tasks')
      .values([
        task(fx.acme.id, id, 7000, { code: 'auth_invalid', runbook: 'auth_invalid', title: 'Auth failing', status: 'acknowledged', acknowledged_by: 'user:ops@example.com', acknowledged_at: new Date() }),
        task(fx.acme.id, id, 7001, { code: 'rate_limited', title: 'Was rate limited', resolved_at: new Date(), resolved_by: 'system' }),
      ])
      .execute();
    const client = await fx.signIn(fx.operator);
    const health = await client.get('/admin/health');
    const row = new RegExp(`<tr data-integration="${id}">[\\s\\S]*?</tr>`).exec(health.body)?.[0] ?? '';
    const link = /<a href="([^"]+)">1 open task<\/a>/.exec(row)?.[1];
    expect(link, 'health table shows "1 open task" for the integration').toBeDefined();
    const list = await client.get(link!.replaceAll('&amp;', '&'));
    expect(list.body).toContain('TASK-7000');
    expect(list.body).not.toContain('TASK-7001');
  });

  it('links the open-task count of a runbook to a list of exactly the open tasks of its code', async () => {
    const id = await createServiceNowViaApi(fx.test, fx.acme, 'SN coded tasks');
    await fx.test.hub.db
      .insertInto('tasks')
      .values([
        task(fx.acme.id, id, 7100, { code: 'cursor_expired', runbook: 'cursor_expired', title: 'Cursor gone', status: 'open' }),
        task(fx.acme.id, id, 7101, { code: 'endpoint_disabled', runbook: 'endpoint_disabled', title: 'Other code', status: 'open' }),
      ])
      .execute();
    const client = await fx.signIn(fx.operator);
    const runbooks = await client.get('/admin/runbooks');
    const row = /<tr>\s*<th scope="row"><a href="\/admin\/runbooks\/cursor_expired">[\s\S]*?<\/tr>/.exec(runbooks.body)?.[0] ?? '';
    const link = /<a href="([^"]+)">1<\/a>/.exec(row)?.[1];
    expect(link, 'the runbook row links its one open task').toBe('/admin/tasks?status=open&amp;code=cursor_expired');
    const list = await client.get(link!.replaceAll('&amp;', '&'));
    expect(list.body).toContain('TASK-7100');
    expect(list.body).not.toContain('TASK-7101');
    expect(list.body).toContain('Showing the tasks of failure code <code>cursor_expired</code>');
    // The status tabs keep the code.
    expect(list.body).toContain('href="/admin/tasks?status=resolved&amp;code=cursor_expired"');
    // Lifting one filter keeps the others.
    const both = await client.get(`/admin/tasks?status=open&integrationId=${id}&code=cursor_expired`);
    expect(both.body).toContain(`<a href="/admin/tasks?status=open&amp;code=cursor_expired">Show every integration</a>`);
    expect(both.body).toContain(`<a href="/admin/tasks?status=open&amp;integrationId=${id}">Show every code</a>`);
  });

  it("counts, on the health page filtered to one environment, that environment's open tasks, and links to a list of exactly those", async () => {
    const tenant = await fx.test.createTenant('environments');
    const staging = await createServiceNowViaApi(fx.test, tenant, 'SN staging');
    const created = await fx.test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'servicenow', name: 'SN production', environment: 'production', config: { instanceUrl: 'http://127.0.0.1:9' }, credentials: { auth: { type: 'basic', username: 'svc', password: 'super-secret-password' } }, schedules: SERVICENOW_SCHEDULES_OFF },
    });
    expect(created.status).toBe(201);
    const production = (await created.json()).id as string;
    await fx.test.hub.db
      .insertInto('tasks')
      .values([
        task(tenant.id, staging, 1, { code: 'auth_invalid', runbook: 'auth_invalid', status: 'open' }),
        task(tenant.id, staging, 2, { code: 'rate_limited', status: 'open' }),
        task(tenant.id, production, 3, { code: 'auth_invalid', runbook: 'auth_invalid', status: 'open' }),
        // Acknowledged is still open: someone is on it, nothing is fixed (each row counts it so too).
        task(tenant.id, production, 4, { code: 'rate_limited', status: 'acknowledged' }),
      ])
      .execute();
    const client = await fx.signIn(await createTestUser(fx.test.hub.db, tenant.id, 'operator'), 'environments');

    const health = await client.get('/admin/health?environment=production');
    const stat = /<dt>Open tasks<\/dt><dd><a href="([^"]+)">(\d+)<\/a>/.exec(health.body);
    expect(stat?.[2], 'open tasks of production integrations').toBe('2');
    expect(health.body).toContain('href="/admin/health?status=failing&amp;environment=production"');
    const list = await client.get(stat![1]!.replaceAll('&amp;', '&'));
    expect([...list.body.matchAll(/>TASK-(\d+)</g)].map((match) => match[1]).sort()).toEqual(['3', '4']);
    expect(list.body).toContain('Showing the tasks of production integrations.');

    const all = await client.get('/admin/health');
    expect(/<dt>Open tasks<\/dt><dd><a href="[^"]+">(\d+)<\/a>/.exec(all.body)?.[1]).toBe('4');
  });
});
