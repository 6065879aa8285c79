import { sql } from 'kysely';
import { expect } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestHubOptions, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { updateTenantSettings } from '../tenancy/tenant-settings.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';

// Test-only: the rows the API input walk (api-input.integration.test.ts) works on, in two tenants:
// the home tenant that sends every request, and another whose rows must never show or change.

/** Marks every name of the other tenant's rows, so any answer that shows one is caught. */
export const FOREIGN_MARK = 'OTHER-TENANT-';
export interface World {
  test: TestHub;
  home: TestTenant;
  other: TestTenant;
  /** Row ids of the home tenant, by resource kind (plus `integration2` and a pending `rotation`). */
  ids: Record<string, string>;
  /** The same rows of the other tenant. */
  foreign: Record<string, string>;
  /** Credentials and API tokens: in no answer. */
  secrets: string[];
}

export async function buildWorld(options: Pick<TestHubOptions, 'database' | 'queue'>): Promise<World> {
  const test = await startTestHub({ label: 'api_input', ...options, connectors: [...connectors, testkit] });
  const home = await test.createTenant('home');
  const other = await test.createTenant('other');
  const secrets = ['input-token-0000', 'input-rotated-token', 'pending-SECRET-rotation'];
  for (const tenant of [home, other]) secrets.push(`kit-token-SECRET-${tenant.slug}`, `hook-secret-SECRET-${tenant.slug}`, ...Object.values(tenant.tokens));
  return { test, home, other, ids: await seedRows(test, home, 'home-'), foreign: await seedRows(test, other, FOREIGN_MARK), secrets };
}

/** One row of each resource kind the route table names, with names starting with `mark`. */
async function seedRows(test: TestHub, tenant: TestTenant, mark: string): Promise<Record<string, string>> {
  const db = test.hub.db;
  const credentials = { auth: { type: 'bearer', token: `kit-token-SECRET-${tenant.slug}` }, webhookSecret: `hook-secret-SECRET-${tenant.slug}` };
  const integration: string = (await createTestkitIntegration(test, tenant, tenant.slug, { name: `${mark}INTEGRATION`, credentials })).id;
  const integration2: string = (await createTestkitIntegration(test, tenant, tenant.slug, { name: `${mark}second`, credentials })).id;
  const sync = await test.request('post', `/api/integrations/${integration}/sync`, { token: tenant.tokens.operator, body: {} });
  expect(sync.status).toBe(202);
  const route = await test.request('post', '/api/routes', {
    token: tenant.tokens.admin,
    body: { name: `${mark}ROUTE`, targetIntegrationId: integration, action: 'record', inputTemplate: { message: 'hi' } },
  });
  expect(route.status, await route.clone().text()).toBe(201);
  const user = await db.insertInto('users').values({ tenant_id: tenant.id, email: `ops@${tenant.slug}.example`, name: 'Ops', role: 'operator' }).returning('id').executeTakeFirstOrThrow();
  const ids: Record<string, string> = {
    integration,
    integration2,
    run: (await sync.json()).runs[0].id,
    route: (await route.json()).id,
    event: (await db
      .insertInto('integration_events')
      .values({ tenant_id: tenant.id, integration_id: integration, source: 'webhook', type: 'incident.update', payload: JSON.stringify({ note: `${mark}EVENT` }), payload_hash: 'x', dedupe_key: `seed-${tenant.slug}`, status: 'processed' })
      .returning('id')
      .executeTakeFirstOrThrow()).id,
    task: (await db
      .insertInto('tasks')
      .values({ tenant_id: tenant.id, number: 1, integration_id: integration, code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', title: `${mark}TASK`, severity: 'high', status: 'open' })
      .returning('id')
      .executeTakeFirstOrThrow()).id,
    chat_link: (await db
      .insertInto('chat_user_links')
      .values({ tenant_id: tenant.id, platform: 'slack', team_id: 'T1', user_id: 'U1', hub_user_id: user.id, linked_by: 'fixture' })
      .returning('id')
      .executeTakeFirstOrThrow()).id,
    api_token: (await db.selectFrom('api_tokens').select('id').where('tenant_id', '=', tenant.id).where('role', '=', 'viewer').executeTakeFirstOrThrow()).id,
  };
  // A rotation stays pending (for the approve and reject routes) only while approval is required.
  await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } });
  const rotation = await test.request('post', `/api/integrations/${integration}/credentials/rotate`, {
    token: tenant.tokens.admin,
    body: { credentials: { auth: { type: 'bearer', token: 'pending-SECRET-rotation' } }, reason: 'seed' },
  });
  expect(rotation.status, await rotation.clone().text()).toBe(202);
  ids.rotation = (await rotation.json()).rotation.id;
  // Asking to switch approval off makes a pending setting change (for its approve and cancel routes);
  // then it is switched off directly, as the API would only once a second admin approved.
  const switchOff = await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } });
  expect(switchOff.status, await switchOff.clone().text()).toBe(202);
  ids.setting_change = (await switchOff.json()).change.id;
  await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
  return ids;
}

/** The other tenant's rows, to show afterwards that no request of the home tenant changed them. */
export async function rowsOf(test: TestHub, tenant: TestTenant): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const table of ['integration_configs', 'routes', 'tasks', 'api_tokens', 'chat_user_links', 'credential_rotations', 'integration_events']) {
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where tenant_id = ${tenant.id} order by id`.execute(test.hub.db);
    // A token's use is stamped on it; that is not a change of the tenant's data.
    rows[table] = result.rows.map(({ last_used_at: _used, ...row }) => row);
  }
  return rows;
}
