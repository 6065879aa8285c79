import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesBelow } from '../auth/roles.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { routeTable } from './route-table.ts';

// Generated from the route table: every route is checked for 401 without a token, 403 for each
// role below its rule, and 404 for another tenant's ids. A new route without a rule, or an `:id`
// route whose resource kind has no fixture here, fails this file.

const PUBLIC_ROUTES = ['GET /api/health', 'GET /api/openapi.json'];

let test: TestHub;
let home: TestTenant;
let other: TestTenant;
const foreignIds: Record<string, string> = {};

// How to make one row of each resource kind in a tenant; keyed by the route's `resource`.
const fixtures: Record<string, (hub: TestHub, tenant: TestTenant) => Promise<string>> = {
  api_token: async (hub, tenant) => {
    const row = await hub.hub.db.selectFrom('api_tokens').select('id').where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
    return row.id;
  },
  integration: async (hub, tenant) => (await integrationOf(hub, tenant)).id,
  run: async (hub, tenant) => {
    const integration = await integrationOf(hub, tenant);
    const row = await hub.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'incident', trigger: 'manual', idempotency_key: `fixture-${tenant.slug}`, status: 'succeeded' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
  event: async (hub, tenant) => {
    const integration = await integrationOf(hub, tenant);
    const row = await hub.hub.db
      .insertInto('integration_events')
      .values({ tenant_id: tenant.id, integration_id: integration.id, source: 'webhook', type: 'incident.update', payload: '{}', payload_hash: 'x', dedupe_key: `fixture-${tenant.slug}`, status: 'processed' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
  route: async (hub, tenant) => {
    const integration = await integrationOf(hub, tenant);
    const row = await hub.hub.db
      .insertInto('routes')
      .values({ tenant_id: tenant.id, name: 'fixture', filter: '{}', target_integration_id: integration.id, action: 'create_incident' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
  task: async (hub, tenant) => {
    const integration = await integrationOf(hub, tenant);
    const row = await hub.hub.db
      .insertInto('tasks')
      .values({ tenant_id: tenant.id, number: 1, integration_id: integration.id, code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', title: 'fixture', severity: 'high', status: 'open' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
  setting_change: async (hub, tenant) => {
    const row = await hub.hub.db
      .insertInto('tenant_setting_changes')
      .values({ tenant_id: tenant.id, setting: 'requireRotationApproval', value: 'false', status: 'pending_approval', requested_by: 'fixture', requested_by_person: 'fixture' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
  chat_link: async (hub, tenant) => {
    const user = await hub.hub.db
      .insertInto('users')
      .values({ tenant_id: tenant.id, email: `ops@${tenant.slug}.example`, name: 'Ops', role: 'operator' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const row = await hub.hub.db
      .insertInto('chat_user_links')
      .values({ tenant_id: tenant.id, platform: 'slack', team_id: 'T1', user_id: 'U1', hub_user_id: user.id, linked_by: 'fixture' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
};

const integrations = new Map<string, { id: string }>();
async function integrationOf(hub: TestHub, tenant: TestTenant): Promise<{ id: string }> {
  let found = integrations.get(tenant.id);
  if (!found) {
    found = await hub.hub.db
      .insertInto('integration_configs')
      .values({ tenant_id: tenant.id, connector: 'servicenow', name: `fixture-${tenant.slug}`, environment: 'staging', config: JSON.stringify({ instanceUrl: 'http://127.0.0.1:9' }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    integrations.set(tenant.id, found);
  }
  return found;
}

beforeAll(async () => {
  test = await startTestHub({ label: 'route_table' });
  home = await test.createTenant('home');
  other = await test.createTenant('other');
  for (const [kind, make] of Object.entries(fixtures)) foreignIds[kind] = await make(test, other);
});
afterAll(async () => {
  await test.close();
});

function pathFor(path: string, resource: string | undefined): string {
  if (!path.includes(':')) return path;
  const id = resource ? foreignIds[resource] : undefined;
  if (!id) throw new Error(`route ${path} has an :id but no fixture for resource "${resource}"`);
  // Other path parameters (a rotation id) get a well-formed id that exists nowhere.
  return path.replace(/:id\b/, id).replace(/:\w+/g, '00000000-0000-4000-8000-000000000000');
}

describe('route table', () => {
  it('lists only the intended public routes', () => {
    const publicRoutes = routeTable.filter((r) => r.access === 'public').map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(publicRoutes.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('declares a resource kind with a fixture for every :id route', () => {
    for (const route of routeTable.filter((r) => r.path.includes(':id'))) {
      expect(route.resource, `${route.method} ${route.path}`).toBeDefined();
      expect(Object.keys(fixtures), `${route.method} ${route.path}`).toContain(route.resource);
    }
  });

  for (const route of routeTable.filter((r) => r.access !== 'public')) {
    const label = `${route.method.toUpperCase()} ${route.path}`;
    const required = route.access as Exclude<typeof route.access, 'public'>;

    it(`${label}: 401 without a token and with an unknown one`, async () => {
      const path = pathFor(route.path, route.resource);
      const anonymous = await test.request(route.method, path);
      expect(anonymous.status).toBe(401);
      expect((await anonymous.json()).error.code).toBe('unauthorized');
      const forged = await test.request(route.method, path, { token: 'hub_' + 'x'.repeat(43) });
      expect(forged.status).toBe(401);
    });

    for (const role of rolesBelow(required)) {
      it(`${label}: 403 for ${role}`, async () => {
        const response = await test.request(route.method, pathFor(route.path, route.resource), { token: home.tokens[role] });
        expect(response.status).toBe(403);
        expect((await response.json()).error.code).toBe('forbidden');
      });
    }

    if (route.path.includes(':id')) {
      it(`${label}: 404 for another tenant's ${route.resource}`, async () => {
        // A valid-looking body, so the answer is about the id and not about the input.
        const body = route.body ? (route.example ?? {}) : undefined;
        const response = await test.request(route.method, pathFor(route.path, route.resource), { token: home.tokens[required], body });
        expect(response.status).toBe(404);
        expect((await response.json()).error.code).toBe('not_found');
        // The other tenant still sees its row where reading is what the route does.
        if (route.method === 'get') {
          const own = await test.request('get', pathFor(route.path, route.resource), { token: other.tokens.admin });
          expect(own.status).toBe(200);
        }
      });
    } else {
      it(`${label}: allowed for ${required}`, async () => {
        const response = await test.request(route.method, route.path, { token: home.tokens[required] });
        expect([401, 403]).not.toContain(response.status);
      });
    }
  }
});
