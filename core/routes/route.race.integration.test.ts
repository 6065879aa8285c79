import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestResponse, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// A route saved naming an integration that is deleted after the route's checks read it: the
// answer is the one for an integration that never existed (400 on the field that names it), not a
// 500, and the route is not written. A second session deletes the integration and holds its lock,
// so the route's write waits at its foreign-key check until the delete commits.

let test: TestHub;
let tenant: TestTenant;
let deleter: pg.Client;
let observer: pg.Client;
/** An integration that stays, and a route to it that the PATCH cases try to point at the doomed one. */
let kept: string;
let routeId: string;

beforeAll(async () => {
  test = await startTestHub({ label: 'route-race', database: 'postgres', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('acme');
  deleter = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
  observer = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
  await Promise.all([deleter.connect(), observer.connect()]);
  kept = (await createTestkitIntegration(test, tenant, 'kept')).id;
  const route = await test.request('post', '/api/routes', { token: tenant.tokens.admin, body: { name: 'kept', targetIntegrationId: kept, action: 'record', inputTemplate: { message: 'x' } } });
  routeId = (await route.json()).id;
});
afterAll(async () => {
  await deleter?.end();
  await observer?.end();
  await test?.close();
});

async function writeWaitingForLock(): Promise<boolean> {
  const { rows } = await observer.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return rows[0]!.n > 0;
}

async function deletedMidway(integrationId: string, send: () => Promise<TestResponse>): Promise<TestResponse> {
  await deleter.query('begin');
  await deleter.query('delete from integration_configs where id = $1', [integrationId]);
  const answer = send();
  try {
    await waitFor('the route write to wait for the delete', writeWaitingForLock);
    await deleter.query('commit');
  } finally {
    await deleter.query('rollback').catch(() => undefined);
  }
  return answer;
}

const TARGET = 'body.targetIntegrationId';
const SOURCE = 'body.filter.sourceIntegrationId';

it.each<[string, string, (id: string) => Promise<TestResponse>]>([
  ['POST naming it as target', TARGET, (id) => test.request('post', '/api/routes', { token: tenant.tokens.admin, body: { name: `to-${id}`, targetIntegrationId: id, action: 'record', inputTemplate: { message: 'x' } } })],
  ['POST naming it as source', SOURCE, (id) => test.request('post', '/api/routes', { token: tenant.tokens.admin, body: { name: `from-${id}`, targetIntegrationId: kept, action: 'record', filter: { sourceIntegrationId: id }, inputTemplate: { message: 'x' } } })],
  ['PATCH naming it as target', TARGET, (id) => test.request('patch', `/api/routes/${routeId}`, { token: tenant.tokens.admin, body: { targetIntegrationId: id } })],
  ['PATCH naming it as source', SOURCE, (id) => test.request('patch', `/api/routes/${routeId}`, { token: tenant.tokens.admin, body: { filter: { sourceIntegrationId: id } } })],
])('%s of an integration deleted meanwhile is refused as an unknown one, and writes nothing', async (_name, field, send) => {
  const { id } = await createTestkitIntegration(test, tenant, `doomed-${Math.random()}`);
  const answer = await deletedMidway(id, () => send(id));
  const text = await answer.text();
  expect(answer.status, text).toBe(400);
  expect(JSON.parse(text).error).toMatchObject({ code: 'validation_failed', fields: [{ path: field, message: 'no such integration in this tenant' }] });

  const routes = await test.hub.db.selectFrom('routes').select(['id', 'target_integration_id', 'source_integration_id']).where('tenant_id', '=', tenant.id).execute();
  expect(routes).toEqual([{ id: routeId, target_integration_id: kept, source_integration_id: null }]);
});
