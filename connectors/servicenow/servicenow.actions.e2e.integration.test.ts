import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeRecord, FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { signedServiceNowPush } from '../../test-support/servicenow-push.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { basicCredentials, createServiceNowIntegration } from '../../test-support/servicenow-integration.ts';
import { startServiceNowWorld, type ServiceNowWorld } from '../../test-support/servicenow-world.ts';

// The ServiceNow actions other than create_incident (add_work_note, change_state, attach_file) as
// routes run them: an event from a ServiceNow source, pushed or polled, makes a route act on a
// ServiceNow target (here the same fake instance), and the fake shows the effect, exactly once.

describe.each(RUNTIME_MODES)('ServiceNow route actions end to end on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  let world: ServiceNowWorld | undefined;

  beforeAll(async () => {
    world = await startServiceNowWorld({ label: 'servicenow-actions', ...options });
    ({ test, tenant, fake } = world);
  });
  afterAll(async () => {
    await world?.close();
  });

  const createServiceNow = (name: string) =>
    createServiceNowIntegration(test, tenant, { name, environment: 'staging', instanceUrl: fake.url, credentials: basicCredentials('svc-grc', 'correct-horse', secret) });

  /** A source to take events from and a target to act on, both on the fake instance. */
  async function sourceAndTarget(label: string) {
    return { source: await createServiceNow(`${label} source`), target: await createServiceNow(`${label} target`) };
  }

  async function createRoute(body: Record<string, unknown>) {
    const response = await test.request('post', '/api/routes', { token: tenant.tokens.admin, body });
    expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
    return response.json();
  }

  const push = (sourceId: string, signed: { headers: Record<string, string>; body: string }) => test.request('post', `/hooks/${sourceId}`, signed);

  const routeRuns = async (targetId: string, routeId: string): Promise<any[]> => {
    const { runs } = await (await test.request('get', `/api/runs?integrationId=${targetId}&kind=action`, { token: tenant.tokens.viewer })).json();
    return runs.filter((run: { routeId: string | null }) => run.routeId === routeId);
  };

  const succeededRun = (targetId: string, routeId: string) =>
    waitFor('the route action to succeed', async () => {
      const runs = await routeRuns(targetId, routeId);
      const failed = runs.find((run) => run.status === 'failed');
      if (failed) throw new Error(`the route action failed: ${failed.errorCode} ${failed.errorMessage}`);
      return runs.find((run) => run.status === 'succeeded');
    });

  const processedEvent = (eventId: string) =>
    waitFor('the event to be routed', async () => {
      const event = await (await test.request('get', `/api/events/${eventId}`, { token: tenant.tokens.viewer })).json();
      return event.status === 'processed' ? event : undefined;
    });

  /** Replays the event and waits until it is routed again with no action of the target left queued or running. */
  async function replayAndSettle(eventId: string, targetId: string) {
    const response = await test.request('post', `/api/events/${eventId}/replay`, { token: tenant.tokens.operator });
    expect(response.status).toBe(202);
    await processedEvent(eventId);
    await waitFor('the target to have no action in flight', async () => {
      const { runs } = await (await test.request('get', `/api/runs?integrationId=${targetId}&kind=action`, { token: tenant.tokens.viewer })).json();
      return runs.every((run: { status: string }) => run.status === 'succeeded' || run.status === 'failed');
    });
  }

  const requestsTo = (method: string, path: string) => fake.requests.filter((request) => request.method === method && request.path === path);

  it('add_work_note: a pushed P1 update puts the templated note on that incident once, however often it arrives or is replayed', async () => {
    const { source, target } = await sourceAndTarget('SN work note');
    const incident: FakeRecord = fake.records.upsert('incident', { short_description: 'Payroll down', priority: '1', state: '2' });
    const sysId = String(incident['sys_id']);
    const route = await createRoute({
      name: 'P1 pushes get a work note',
      filter: { sourceIntegrationId: source.id, eventType: 'incident.update', fields: { priority: '1' } },
      targetIntegrationId: target.id,
      action: 'add_work_note',
      inputTemplate: { sys_id: '{{event.payload.sys_id}}', note: 'GRC hub: {{event.payload.number}} ({{event.payload.short_description}}) is P1; control owner told.' },
    });

    const delivery = signedServiceNowPush(secret, { table: 'incident', action: 'update', record: incident });
    const accepted = await push(source.id, delivery);
    expect(accepted.status).toBe(202);
    const [eventId] = (await accepted.json()).eventIds;

    const run = await succeededRun(target.id, route.id);
    expect(run).toMatchObject({ action: 'add_work_note', eventId, attempts: 1, result: { externalId: sysId } });
    const note = `GRC hub: ${incident['number']} (Payroll down) is P1; control owner told.`;
    // Internal work notes only: nothing goes to the caller-visible comments.
    expect(fake.records.journal('incident', sysId)).toEqual([expect.objectContaining({ element: 'work_notes', value: note, createdBy: 'svc-grc' })]);
    expect(requestsTo('PATCH', `/api/now/table/incident/${sysId}`).map((request) => JSON.parse(request.body))).toEqual([{ work_notes: note }]);

    // The sender retrying the same delivery is a duplicate; the Business Rule firing again for the
    // same record version (a new delivery id) is a new event, but the route acts on that version once.
    expect(await (await push(source.id, delivery)).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    const again = await push(source.id, signedServiceNowPush(secret, { table: 'incident', action: 'update', record: incident }));
    expect(again.status).toBe(202);
    await processedEvent((await again.json()).eventIds[0]);
    await replayAndSettle(eventId, target.id);

    expect(fake.records.journal('incident', sysId)).toHaveLength(1);
    expect(requestsTo('PATCH', `/api/now/table/incident/${sysId}`)).toHaveLength(1);
    expect(await routeRuns(target.id, route.id)).toEqual([expect.objectContaining({ id: run.id, status: 'succeeded', attempts: 1 })]);
  });

  it('change_state: a polled approved change moves to the state the route sets, on its own table, and a replay does not send it again', async () => {
    const { source, target } = await sourceAndTarget('SN change state');
    const approved = fake.records.upsert('change_request', { sys_class_name: 'change_request', short_description: 'Rotate HSM keys', approval: 'approved', state: '-2' });
    const pending = fake.records.upsert('change_request', { sys_class_name: 'change_request', short_description: 'Patch VPN', approval: 'requested', state: '-2' });
    const sysId = String(approved['sys_id']);
    const route = await createRoute({
      name: 'Approved scheduled changes go to Implement',
      filter: { sourceIntegrationId: source.id, eventType: 'change_request.*', fields: { approval: 'approved', state: '-2' } },
      targetIntegrationId: target.id,
      action: 'change_state',
      inputTemplate: { table: '{{event.payload.sys_class_name}}', sys_id: '{{event.externalId}}', state: '-1' },
    });

    const { runs } = await (await test.request('post', `/api/integrations/${source.id}/sync`, { token: tenant.tokens.operator, body: { stream: 'change_request' } })).json();
    const poll = await waitFor('the change_request poll', async () => {
      const current = await (await test.request('get', `/api/runs/${runs[0].id}`, { token: tenant.tokens.viewer })).json();
      return ['succeeded', 'failed'].includes(current.status) ? current : undefined;
    });
    expect(poll).toMatchObject({ status: 'succeeded', records: { new: 2 } });

    const run = await succeededRun(target.id, route.id);
    expect(run).toMatchObject({ action: 'change_state', attempts: 1, result: { externalId: sysId, output: { state: '-1' } } });
    expect(fake.records.get('change_request', sysId)).toMatchObject({ state: '-1', sys_updated_by: 'svc-grc' });
    // The change the route's filter leaves out is untouched.
    expect(fake.records.get('change_request', String(pending['sys_id']))).toMatchObject({ state: '-2', sys_updated_by: 'admin', sys_mod_count: '0' });
    expect(requestsTo('PATCH', `/api/now/table/change_request/${sysId}`).map((request) => JSON.parse(request.body))).toEqual([{ state: '-1' }]);

    await replayAndSettle(run.eventId, target.id);
    expect(requestsTo('PATCH', `/api/now/table/change_request/${sysId}`)).toHaveLength(1);
    expect(requestsTo('PATCH', `/api/now/table/change_request/${pending['sys_id']}`)).toHaveLength(0);
    expect(await routeRuns(target.id, route.id)).toEqual([expect.objectContaining({ id: run.id, status: 'succeeded', attempts: 1 })]);
  });

  it('attach_file: a pushed incident gets the evidence file from its payload, with its name, type and exact bytes, stored once', async () => {
    const { source, target } = await sourceAndTarget('SN attach');
    // Non-ASCII text and a byte that is not UTF-8: what is stored must be exactly what was sent.
    const bytes = Buffer.concat([Buffer.from('user,decision\nzoë@acme.example,revoke\n', 'utf8'), Buffer.from([0xff, 0x00, 0x0a])]);
    const incident = fake.records.upsert('incident', { short_description: 'Quarterly access review', priority: '3', u_evidence_base64: bytes.toString('base64') });
    const sysId = String(incident['sys_id']);
    const route = await createRoute({
      name: 'Access review evidence goes on the incident',
      filter: { sourceIntegrationId: source.id, eventType: 'incident.*' },
      targetIntegrationId: target.id,
      action: 'attach_file',
      inputTemplate: {
        table: 'incident',
        sys_id: '{{event.externalId}}',
        file_name: '{{event.payload.number}}-access-review.csv',
        content_type: 'text/csv; charset=utf-8',
        content_base64: '{{event.payload.u_evidence_base64}}',
      },
    });

    const delivery = signedServiceNowPush(secret, { table: 'incident', action: 'insert', record: incident });
    const accepted = await push(source.id, delivery);
    expect(accepted.status).toBe(202);
    const [eventId] = (await accepted.json()).eventIds;

    const run = await succeededRun(target.id, route.id);
    const fileName = `${incident['number']}-access-review.csv`;
    const stored = fake.attachments.filter((attachment) => attachment.tableSysId === sysId);
    expect(stored).toHaveLength(1);
    // The fake keeps the media type without parameters; the parameters were sent as given (below).
    expect(stored[0]).toMatchObject({ tableName: 'incident', fileName, contentType: 'text/csv' });
    expect(stored[0]?.bytes.equals(bytes)).toBe(true);
    expect(run).toMatchObject({ action: 'attach_file', eventId, attempts: 1, result: { externalId: stored[0]?.sysId, output: { file_name: fileName, size_bytes: String(bytes.length) } } });
    const uploads = requestsTo('POST', '/api/now/attachment/file');
    expect(uploads.filter((upload) => upload.query['table_sys_id'] === sysId).map((upload) => upload.headers['content-type'])).toEqual(['text/csv; charset=utf-8']);

    expect(await (await push(source.id, delivery)).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    await replayAndSettle(eventId, target.id);

    expect(fake.attachments.filter((attachment) => attachment.tableSysId === sysId)).toHaveLength(1);
    expect(requestsTo('POST', '/api/now/attachment/file').filter((upload) => upload.query['table_sys_id'] === sysId)).toHaveLength(1);
    expect(await routeRuns(target.id, route.id)).toEqual([expect.objectContaining({ id: run.id, status: 'succeeded', attempts: 1 })]);
  });
});
