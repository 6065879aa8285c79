import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// Two admins delete the same route at once (the API, or the admin UI's "Delete route"): one of them
// deletes it and is audited, the other is answered 404, as for integrations. A second session holds
// the route's row lock so both requests are under way before either deletes it. PostgreSQL only:
// an embedded hub's one connection makes the two take turns.

let test: TestHub;
let tenant: TestTenant;
let holder: pg.Client;
let observer: pg.Client;
let target: string;

beforeAll(async () => {
  test = await startTestHub({ label: 'audit_route_delete', database: 'postgres', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('acme');
  holder = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
  observer = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
  await Promise.all([holder.connect(), observer.connect()]);
  target = (await createTestkitIntegration(test, tenant, 'audit-route-target')).id;
});
afterAll(async () => {
  await holder?.end();
  await observer?.end();
  await test?.close();
});

async function waitingForLock(n: number): Promise<boolean> {
  const { rows } = await observer.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
  return rows[0]!.n >= n;
}

it('audits one deletion when two admins delete the same route at once, and answers the other 404', async () => {
  const created = await test.request('post', '/api/routes', { token: tenant.tokens.admin, body: { name: 'doomed', targetIntegrationId: target, action: 'record', inputTemplate: { message: 'x' } } });
  expect(created.status).toBe(201);
  const routeId = (await created.json()).id;

  await holder.query('begin');
  await holder.query('select id from routes where id = $1 for update', [routeId]);
  const answers = Promise.all([
    test.request('delete', `/api/routes/${routeId}`, { token: tenant.tokens.admin }),
    test.request('delete', `/api/routes/${routeId}`, { token: tenant.tokens.admin }),
  ]);
  try {
    await waitFor('both deletes to wait for the row', () => waitingForLock(2));
  } finally {
    await holder.query('commit');
  }
  const statuses = (await answers).map((response) => response.status).sort();

  const audit = await (await test.request('get', '/api/audit?action=route.deleted', { token: tenant.tokens.admin })).json();
  const entries = audit.entries.filter((entry: { targetId: string }) => entry.targetId === routeId);
  expect(entries, 'route.deleted audit entries for one deletion').toHaveLength(1);
  expect(statuses).toEqual([204, 404]);
});
