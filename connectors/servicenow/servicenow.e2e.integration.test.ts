import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { signedServiceNowPush } from '../../test-support/servicenow-push.ts';
import { basicCredentials, createServiceNowIntegration } from '../../test-support/servicenow-integration.ts';
import { startServiceNowWorld, type ServiceNowWorld } from '../../test-support/servicenow-world.ts';

// The ServiceNow connector through the whole runtime, against a fake ServiceNow instance that is
// a real HTTP server: polling, Retry-After, failure tasks, signed webhooks, and routed actions.


describe.each(RUNTIME_MODES)('ServiceNow end to end on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  let world: ServiceNowWorld | undefined;

  beforeAll(async () => {
    world = await startServiceNowWorld({ label: 'servicenow', ...options });
    ({ test, tenant, fake } = world);
  });
  afterAll(async () => {
    await world?.close();
  });

  const createServiceNow = (name: string, password = 'correct-horse') =>
    createServiceNowIntegration(test, tenant, { name, environment: 'staging', instanceUrl: fake.url, config: { pageSize: 5 }, credentials: basicCredentials('svc-grc', password, secret) });

  const sync = async (id: string, stream = 'incident') => {
    const { runs } = await (await test.request('post', `/api/integrations/${id}/sync`, { token: tenant.tokens.operator, body: { stream } })).json();
    return waitFor('the ServiceNow run', async () => {
      const run = await (await test.request('get', `/api/runs/${runs[0].id}`, { token: tenant.tokens.viewer })).json();
      return ['succeeded', 'failed'].includes(run.status) ? run : undefined;
    });
  };

  it('checks the connection and polls incidents with Link paging; a changed record is one event', async () => {
    fake.records.seed('incident', 12, (i) => ({ short_description: `Incident ${i}`, priority: String((i % 4) + 1) }));
    const integration = await createServiceNow('SN staging');
    const check = await (await test.request('post', `/api/integrations/${integration.id}/check`, { token: tenant.tokens.operator })).json();
    expect(check).toMatchObject({ ok: true });

    const first = await sync(integration.id);
    expect(first).toMatchObject({ status: 'succeeded', records: { new: 12, changed: 0 } });
    expect(first.pages).toBeGreaterThanOrEqual(3);

    const sysId = String(fake.records.list('incident')[0]?.sys_id);
    fake.records.touch('incident', sysId, { short_description: 'Now urgent' });
    const second = await sync(integration.id);
    expect(second.records).toMatchObject({ new: 0, changed: 1 });
    const { events } = await (await test.request('get', `/api/events?integrationId=${integration.id}&type=incident.updated`, { token: tenant.tokens.viewer })).json();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ externalId: sysId, payload: { short_description: 'Now urgent' } });
  });

  it('waits out a 429 Retry-After and then succeeds', async () => {
    const integration = await createServiceNow('SN throttled');
    fake.failNext(1, { status: 429, retryAfter: 1, path: '/api/now/table/incident' });
    const before = fake.requests.length;
    const run = await sync(integration.id);
    expect(run).toMatchObject({ status: 'succeeded', errorCode: null });
    const calls = fake.requests.slice(before).filter((r) => r.path.startsWith('/api/now/table/incident'));
    expect(calls[0]?.status).toBe(429);
    expect(calls[1]?.status).toBe(200);
    expect(run.latencyMs).toBeGreaterThanOrEqual(1000);
  });

  it('opens one auth_invalid task with its runbook on a persistent 401, resolved by the next success', async () => {
    const integration = await createServiceNow('SN wrong password', 'wrong-password');
    const failed = await sync(integration.id);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'auth_invalid', runbook: 'runbooks/auth_invalid.md' });
    await sync(integration.id);
    const open = (await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json()).tasks;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', status: 'open', occurrences: 2 });

    await test.request('patch', `/api/integrations/${integration.id}`, {
      token: tenant.tokens.admin,
      body: { credentials: { auth: { type: 'basic', username: 'svc-grc', password: 'correct-horse' }, webhookSecret: secret } },
    });
    expect(await sync(integration.id)).toMatchObject({ status: 'succeeded' });
    const after = await (await test.request('get', `/api/tasks/${open[0].id}`, { token: tenant.tokens.viewer })).json();
    expect(after.status).toBe('resolved');
  });

  it('takes Standard Webhooks-signed pushes and routes them to a ServiceNow action', async () => {
    const source = await createServiceNow('SN push source');
    const target = await createServiceNow('SN action target');
    await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: {
        name: 'P1 pushes open an incident',
        filter: { sourceIntegrationId: source.id, eventType: 'incident.*', fields: { priority: '1' } },
        targetIntegrationId: target.id,
        action: 'create_incident',
        inputTemplate: { short_description: 'Escalated: {{event.payload.short_description}}', urgency: '1' },
      },
    });
    const now = new Date();
    const record = { sys_id: 'a'.repeat(32), number: 'INC0099999', priority: '1', short_description: 'Payroll down' };
    const { headers, body } = signedServiceNowPush(secret, { table: 'incident', action: 'update', record }, { at: now });
    const response = await test.request('post', `/hooks/${source.id}`, { headers, body });
    expect(response.status).toBe(202);
    const duplicate = await test.request('post', `/hooks/${source.id}`, { headers, body });
    expect(await duplicate.json()).toMatchObject({ accepted: 0, duplicates: 1 });

    const created = await waitFor('the routed incident', async () => fake.records.list('incident').find((r) => r.short_description === 'Escalated: Payroll down'));
    expect(created.urgency).toBe('1');

    // Signed right, ten minutes ago: outside the tolerance.
    const stale = signedServiceNowPush(secret, { table: 'incident', action: 'update', record }, { id: 'msg_old', at: new Date(now.getTime() - 600_000) });
    expect((await test.request('post', `/hooks/${source.id}`, stale)).status).toBe(401);
  });
});
