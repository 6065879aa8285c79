import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { rowsRead } from '../../test-support/large-tenant.ts';
import { planOf, planPool, recordingDb } from '../../test-support/query-plans.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import type { Principal } from '../auth/principal.ts';
import type { HubContext } from '../server/hub-context.ts';
import { replayEvent } from './event-replay.service.ts';

// Failed action runs are kept for good, as the record of what happened. Replaying one event must
// find its own failed actions, and those keyed by the record version it carries (route-run-key.ts),
// without reading every failed action of the tenant. Checked on PostgreSQL's plan.

let test: TestHub;
let tenant: TestTenant;
let pool: pg.Pool;
let sourceId: string;
let routeId: string;
let targetId: string;

beforeAll(async () => {
  test = await startTestHub({ label: 'event_replay_plan', database: 'postgres', connectors });
  tenant = await test.createTenant('big');
  const integration = async (name: string): Promise<string> => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'servicenow', name, config: { instanceUrl: 'https://acme.service-now.com' },
        credentials: { auth: { type: 'basic', username: 'svc', password: 'pw-123456' } }, schedules: SERVICENOW_SCHEDULES_OFF,
      },
    });
    return (await created.json()).id;
  };
  sourceId = await integration('SN');
  targetId = await integration('SN audit');
  const route = await test.request('post', '/api/routes', {
    token: tenant.tokens.admin,
    body: { name: 'notes', filter: { sourceIntegrationId: sourceId, eventType: 'incident.*' }, targetIntegrationId: targetId, action: 'add_work_note', inputTemplate: { table: 'incident', sys_id: '{{event.externalId}}', note: 'seen' } },
  });
  expect(route.status, JSON.stringify(await route.clone().json())).toBe(201);
  routeId = (await route.json()).id;
  // 50,000 failed actions of the route, each on another record version.
  await sql`insert into integration_runs (tenant_id, integration_id, kind, trigger, idempotency_key, status, route_id, action,
      queued_at, finished_at, error_code, error_message)
    select ${tenant.id}, ${targetId}, 'action', 'route', 'route:' || ${routeId} || ':record:' || ${sourceId} || ':' || md5(g::text) || '@1',
      'failed', ${routeId}, 'add_work_note', now() - make_interval(mins => g), now() - make_interval(mins => g), 'permission_denied', 'no'
    from generate_series(1, 50000) g`.execute(test.hub.db);
  pool = planPool(test.hub.config.DATABASE_URL!);
  await sql`vacuum analyze`.execute(test.hub.db);
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await test?.close();
});

it("finds a replayed event's failed actions, those of its record version included, without reading the tenant's failed runs", async () => {
  const sysId = 'a'.repeat(32);
  const event = await test.hub.db
    .insertInto('integration_events')
    .values({
      tenant_id: tenant.id, integration_id: sourceId, source: 'poll', stream: 'incident', type: 'incident.updated', external_id: sysId,
      payload: JSON.stringify({ sys_id: sysId, sys_mod_count: '3' }), payload_hash: 'h', dedupe_key: `${sysId}@3`, status: 'processed',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // Its version's action failed under the event that arrived first (a push), which is not this one.
  await test.hub.db
    .insertInto('integration_runs')
    .values({
      tenant_id: tenant.id, integration_id: targetId, kind: 'action', trigger: 'route', route_id: routeId, action: 'add_work_note',
      idempotency_key: `route:${routeId}:record:${sourceId}:${sysId}@3`, status: 'failed', error_code: 'permission_denied', error_message: 'no',
    })
    .execute();

  const { db, sent } = recordingDb(pool);
  const principal: Principal = { tenantId: tenant.id, role: 'admin', actorType: 'token', actorId: 'plan', label: 'token:plan', person: 'token:plan' };
  const outcome = await replayEvent({ ...test.hub, db } as HubContext, principal, event.id, 'plan-test');
  expect(outcome.failedActionsRetried).toBe(1);

  const lookup = sent.find((query) => /^select\b/i.test(query.sql) && query.sql.includes('"integration_runs"'));
  expect(lookup, sent.map((query) => query.sql).join('\n')).toBeDefined();
  const plan = await planOf(pool, lookup!, { analyze: true });
  expect(rowsRead(plan, 'integration_runs'), plan).toBeLessThan(100);
});
