import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { basicCredentials, createServiceNowIntegration } from '../../test-support/servicenow-integration.ts';

// A stream's cursor is a position in one table's sys_updated_on timeline on one instance, read with
// one query. When an admin points the stream at another table (`config.tables.incident`) or the
// integration at another instance, or changes its `query`, an incremental poll that kept the old
// cursor would start the new read at the old position and silently never read the records updated
// before it. The stream is read from its start instead, and the hub's dedupe makes events only of
// the records it had not stored before.

describe.each(RUNTIME_MODES)('changing the table or query of a ServiceNow stream on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;
  let other: FakeServiceNow;
  let tick = Date.parse('2030-03-01T10:00:00Z');

  beforeAll(async () => {
    fake = await startFakeServiceNow({ clock: () => new Date((tick += 1000)) });
    other = await startFakeServiceNow({ clock: () => new Date((tick += 1000)) });
    test = await startTestHub({ label: 'tablechange', ...options, workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
    await fake?.close();
    await other?.close();
  });

  const createServiceNow = (name: string, config: Record<string, unknown> = {}) =>
    createServiceNowIntegration(test, tenant, { name, environment: 'staging', instanceUrl: fake.url, config: { pageSize: 10, ...config }, credentials: basicCredentials('svc', 'pw-123456') });
  const patchConfig = async (id: string, config: Record<string, unknown>) => {
    const patched = await test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { config } });
    expect(patched.status).toBe(200);
  };
  const sync = async (id: string) => {
    const { runs } = await (await test.request('post', `/api/integrations/${id}/sync`, { token: tenant.tokens.operator, body: { stream: 'incident' } })).json();
    return waitFor('the run', async () => {
      const run = await (await test.request('get', `/api/runs/${runs[0].id}`, { token: tenant.tokens.viewer })).json();
      return ['succeeded', 'failed'].includes(run.status) ? run : undefined;
    });
  };
  const eventCount = async (id: string) => (await (await test.request('get', `/api/events?integrationId=${id}`, { token: tenant.tokens.viewer })).json()).events.length;

  it('reads a stream pointed at another table from its start', async () => {
    // The custom table's records were last updated before the standard table's.
    fake.records.seed('u_grc_incident', 3, (i) => ({ short_description: `GRC incident ${i}` }));
    tick += 86_400_000;
    fake.records.seed('incident', 3, (i) => ({ short_description: `Incident ${i}` }));
    const integration = await createServiceNow('SN table change');
    expect((await sync(integration.id)).records).toMatchObject({ new: 3 });

    await patchConfig(integration.id, { tables: { incident: 'u_grc_incident' } });
    const after = await sync(integration.id);
    expect({ status: after.status, records: after.records }).toEqual({ status: 'succeeded', records: { seen: 3, new: 3, changed: 0 } });
    expect(await eventCount(integration.id)).toBe(6);
  });

  it('reads the stream from its start when its query changes, making events only of records not stored before', async () => {
    const table = 'u_grc_query_change';
    fake.records.seed(table, 2, (i) => ({ short_description: `Closed ${i}`, active: 'false' }));
    tick += 86_400_000;
    fake.records.seed(table, 2, (i) => ({ short_description: `Open ${i}`, active: 'true' }));
    const integration = await createServiceNow('SN query change', { tables: { incident: table }, query: 'active=true' });
    expect((await sync(integration.id)).records).toEqual({ seen: 2, new: 2, changed: 0 });

    await patchConfig(integration.id, { query: null });
    const after = await sync(integration.id);
    expect({ status: after.status, records: after.records }).toEqual({ status: 'succeeded', records: { seen: 4, new: 2, changed: 0 } });
    expect(await eventCount(integration.id)).toBe(4);
  });

  it('reads the stream from its start on another instance the integration was pointed at', async () => {
    // The other instance's records were last updated before this one's.
    other.records.seed('u_grc_instance_move', 4, (i) => ({ short_description: `Prod incident ${i}` }));
    tick += 86_400_000;
    fake.records.seed('u_grc_instance_move', 3, (i) => ({ short_description: `Dev incident ${i}` }));
    const integration = await createServiceNow('SN instance move', { tables: { incident: 'u_grc_instance_move' } });
    expect((await sync(integration.id)).records).toMatchObject({ new: 3 });

    const moved = await test.request('patch', `/api/integrations/${integration.id}`, {
      token: tenant.tokens.admin,
      body: { config: { instanceUrl: other.url }, credentials: basicCredentials('svc', 'pw-123456') },
    });
    expect(moved.status).toBe(200);
    const after = await sync(integration.id);
    expect({ status: after.status, records: after.records }).toEqual({ status: 'succeeded', records: { seen: 4, new: 4, changed: 0 } });
  });
});
