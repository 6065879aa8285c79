import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { signedServiceNowPush } from '../../test-support/servicenow-push.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { basicCredentials, createServiceNowIntegration } from '../../test-support/servicenow-integration.ts';

// A ServiceNow integration that receives the Business Rule's pushes and polls too records one
// change twice: pushed as `incident.update`, polled later as `incident.updated` (the poll is the
// safety net for a lost push). Both carry the same record version (sys_id@sys_mod_count), so a
// route matching both acts on the change once; a later change, or a delete, is acted on again.

describe.each(RUNTIME_MODES)('one ServiceNow change pushed and polled, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    fake = await startFakeServiceNow({ auth: { basic: { user: 'svc', pass: 'pw-123456' } } });
    test = await startTestHub({ label: 'route_record_version', ...options, workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
    await fake?.close();
  });

  const createServiceNow = async (name: string): Promise<string> =>
    (await createServiceNowIntegration(test, tenant, { name, instanceUrl: fake.url, credentials: basicCredentials('svc', 'pw-123456', secret) })).id;

  async function sync(integrationId: string): Promise<void> {
    const { runs } = await (await test.request('post', `/api/integrations/${integrationId}/sync`, { token: tenant.tokens.operator, body: { stream: 'incident' } })).json();
    const run = await waitFor('the sync', async () => {
      const found = await (await test.request('get', `/api/runs/${runs[0].id}`, { token: tenant.tokens.viewer })).json();
      return ['succeeded', 'failed'].includes(found.status) ? found : undefined;
    });
    expect(run.status).toBe('succeeded');
  }

  async function push(integrationId: string, action: 'insert' | 'update' | 'delete', record: Record<string, unknown>): Promise<string> {
    const response = await test.request('post', `/hooks/${integrationId}`, signedServiceNowPush(secret, { table: 'incident', action, record }));
    expect(response.status).toBe(202);
    return ((await response.json()) as { eventIds: string[] }).eventIds[0]!;
  }

  /** Waits until every event of the source is routed, then counts the route's action runs. */
  async function routedActions(sourceId: string, routeId: string): Promise<number> {
    await waitFor('every event routed', async () => {
      const pending = await test.hub.db.selectFrom('integration_events').select('id').where('integration_id', '=', sourceId).where('status', '=', 'pending').execute();
      return pending.length === 0;
    });
    const runs = await test.hub.db.selectFrom('integration_runs').select('status').where('route_id', '=', routeId).execute();
    await waitFor('every action settled', async () => {
      const open = await test.hub.db.selectFrom('integration_runs').select('id').where('route_id', '=', routeId).where('status', 'in', ['queued', 'running']).execute();
      return open.length === 0;
    });
    return runs.length;
  }

  it('acts on the change once, and again on a later change and on the delete', async () => {
    const sourceId = await createServiceNow('SN source');
    const targetId = await createServiceNow('SN GRC');
    const record = fake.records.upsert('incident', { short_description: 'Payroll down', priority: '1' });
    await sync(sourceId);
    const route = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: {
        name: 'P1 incidents', filter: { sourceIntegrationId: sourceId, eventType: 'incident.*', fields: { priority: '1' } },
        targetIntegrationId: targetId, action: 'create_incident',
        inputTemplate: { short_description: 'Escalated: {{event.payload.short_description}}', urgency: '1' },
      },
    });
    expect(route.status).toBe(201);
    const routeId = (await route.json()).id as string;
    const sysId = String(record['sys_id']);

    // The change is pushed, with every field as the Business Rule sends them, and then polled.
    const changed = fake.records.touch('incident', sysId, { short_description: 'Payroll still down' });
    const pushedEvent = await push(sourceId, 'update', changed);
    expect(await routedActions(sourceId, routeId)).toBe(1);
    await sync(sourceId);
    expect(await routedActions(sourceId, routeId)).toBe(1);
    const { events } = await (await test.request('get', `/api/events?integrationId=${sourceId}&limit=10`, { token: tenant.tokens.viewer })).json();
    expect(events.filter((event: { externalId: string }) => event.externalId === sysId).map((event: { type: string; status: string }) => [event.type, event.status])).toEqual([
      ['incident.updated', 'processed'],
      ['incident.update', 'processed'],
      ['incident.created', 'processed'],
    ]);
    const run = await test.hub.db.selectFrom('integration_runs').select('event_id').where('route_id', '=', routeId).executeTakeFirstOrThrow();
    expect(run.event_id).toBe(pushedEvent);

    // A later change is another version: polled first this time, then pushed late.
    const again = fake.records.touch('incident', sysId, { short_description: 'Payroll down again' });
    await sync(sourceId);
    expect(await routedActions(sourceId, routeId)).toBe(2);
    await push(sourceId, 'update', again);
    expect(await routedActions(sourceId, routeId)).toBe(2);

    // A delete carries the last version's fields, but it is a change of its own.
    await push(sourceId, 'delete', again);
    expect(await routedActions(sourceId, routeId)).toBe(3);
    expect(fake.records.list('incident').filter((incident) => String(incident['short_description']).startsWith('Escalated:')).map((incident) => incident['short_description'])).toEqual([
      'Escalated: Payroll still down',
      'Escalated: Payroll down again',
      'Escalated: Payroll down again',
    ]);
  });
});
