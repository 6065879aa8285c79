import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { servicenow } from '../../connectors/servicenow/connector.ts';
import { POLL_QUEUE, pollScheduleId } from '../scheduler/schedule.service.ts';

// PATCH /api/integrations/:id takes `config` as a JSON merge patch: changing one setting must not
// clear the others (a ServiceNow `query` left out would widen what is synced to every record).
// `schedules` likewise: the streams named change, the others keep theirs.

describe.each(RUNTIME_MODES)('PATCH of an integration config on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'integration_patch', ...options });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const stored = { instanceUrl: 'https://acme.service-now.com', query: 'assignment_group=grc', tables: { incident: 'u_grc_incident' }, pageSize: 100 };
  // As saved: with the connector's defaults filled in.
  const saved = { ...stored, displayValue: false };

  async function create(name: string) {
    const response = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'servicenow', name, config: stored, credentials: { auth: { type: 'basic', username: 'svc', password: 'a-password-123' } }, schedules: SERVICENOW_SCHEDULES_OFF },
    });
    expect(response.status).toBe(201);
    return (await response.json()).id as string;
  }
  const patch = (id: string, config: unknown) => test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { config } });
  const configOf = async (id: string) => (await (await test.request('get', `/api/integrations/${id}`, { token: tenant.tokens.viewer })).json()).config;

  it('changes the settings it names and keeps the others; null removes one', async () => {
    const id = await create('patch-merge');
    expect((await patch(id, { pageSize: 50 })).status).toBe(200);
    expect(await configOf(id)).toEqual({ ...saved, pageSize: 50 });
    expect((await patch(id, { query: null, tables: { change_request: 'u_grc_change' } })).status).toBe(200);
    expect(await configOf(id)).toEqual({ instanceUrl: stored.instanceUrl, tables: { incident: 'u_grc_incident', change_request: 'u_grc_change' }, pageSize: 50, displayValue: false });
  });

  it('checks the merged config, with errors on the fields sent, and changes nothing when refused', async () => {
    const id = await create('patch-refused');
    const refused = await patch(id, { pageSize: 5000, instanceUrl: null });
    expect(refused.status).toBe(400);
    const paths = (await refused.json()).error.fields.map((field: { path: string }) => field.path).sort();
    expect(paths).toEqual(['body.config.instanceUrl', 'body.config.pageSize']);
    expect(await configOf(id)).toEqual(saved);
  });

  it('lands patches of different settings made at the same time', async () => {
    const id = await create('patch-concurrent');
    const answers = await Promise.all([patch(id, { pageSize: 60 }), patch(id, { query: 'active=true' }), patch(id, { tables: { sc_task: 'u_grc_task' } })]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await configOf(id)).toEqual({ ...saved, pageSize: 60, query: 'active=true', tables: { incident: 'u_grc_incident', sc_task: 'u_grc_task' } });
  });

  const patchSchedules = (id: string, schedules: unknown) => test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { schedules } });
  const schedulesOf = async (id: string) => (await (await test.request('get', `/api/integrations/${id}`, { token: tenant.tokens.viewer })).json()).schedules;
  /** Each stream's schedule in the queue: its cron, or its interval in ms. */
  const queued = async (id: string) => {
    const schedules = await test.hub.queue.listSchedules(POLL_QUEUE);
    return Object.fromEntries(
      Object.keys(servicenow.streams).flatMap((stream) => {
        const found = schedules.find((schedule) => schedule.id === pollScheduleId(id, stream));
        return found ? [[stream, found.cron ?? found.every]] : [];
      }),
    );
  };

  it('changes the schedules of the streams it names and keeps the others; null puts the default back', async () => {
    const id = await create('patch-schedules');
    expect((await patchSchedules(id, { incident: { everySeconds: 600 } })).status).toBe(200);
    expect(await schedulesOf(id)).toEqual({ ...SERVICENOW_SCHEDULES_OFF, incident: { everySeconds: 600 } });
    expect(await queued(id)).toEqual({ incident: 600_000 });

    expect((await patchSchedules(id, { change_request: { cron: '0 * * * *' }, incident: null })).status).toBe(200);
    expect(await schedulesOf(id)).toEqual({ change_request: { cron: '0 * * * *' }, sc_task: { enabled: false } });
    // The incident stream is back on the connector's own interval.
    expect(await queued(id)).toEqual({ change_request: '0 * * * *', incident: servicenow.streams.incident!.defaultIntervalSeconds * 1000 });
  });

  it('refuses a schedule patch naming an unknown stream or a bad schedule, and changes nothing', async () => {
    const id = await create('patch-schedules-refused');
    const unknownStream = await patchSchedules(id, { incident: { everySeconds: 600 }, problem: null });
    expect(unknownStream.status).toBe(400);
    expect((await unknownStream.json()).error.fields.map((field: { path: string }) => field.path)).toEqual(['body.schedules.problem']);
    const badSchedule = await patchSchedules(id, { incident: { everySeconds: 600, cron: '0 * * * *' } });
    expect(badSchedule.status).toBe(400);
    expect(await schedulesOf(id)).toEqual(SERVICENOW_SCHEDULES_OFF);
    expect(await queued(id)).toEqual({});
  });

  it('lands schedule patches of different streams made at the same time', async () => {
    const id = await create('patch-schedules-concurrent');
    const answers = await Promise.all([
      patchSchedules(id, { incident: { everySeconds: 900 } }),
      patchSchedules(id, { change_request: { everySeconds: 1200 } }),
      test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { config: { pageSize: 70 } } }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await schedulesOf(id)).toEqual({ incident: { everySeconds: 900 }, change_request: { everySeconds: 1200 }, sc_task: { enabled: false } });
    expect(await configOf(id)).toEqual({ ...saved, pageSize: 70 });
    expect(await queued(id)).toEqual({ incident: 900_000, change_request: 1_200_000 });
  });
});
