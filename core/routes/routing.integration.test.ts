import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { signTestkit, testkit, TESTKIT_SIGNATURE_HEADER, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { openOrUpdateTask } from '../tasks/task.service.ts';
import { MAX_TEMPLATE_PLACEHOLDERS } from './route.template-limits.ts';

describe.each(RUNTIME_MODES)('routes on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'routes', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  async function actionRuns(routeId: string) {
    const rows = await test.hub.db.selectFrom('integration_runs').selectAll().where('route_id', '=', routeId).execute();
    return rows;
  }

  it('stores the events of a tenant with no enabled route as processed, without queueing them, and routes what arrives after a route', async () => {
    const quiet = await test.createTenant(`quiet-${Math.random()}`);
    const source = await createTestkitIntegration(test, quiet, `quiet-src-${Math.random()}`);
    const targetData = `quiet-dst-${Math.random()}`;
    const target = await createTestkitIntegration(test, quiet, targetData);
    testkitUpstream(source.config.dataset).records.set('q1', { priority: 1, title: 'Before any route' });
    await syncAndWait(test, quiet, source.id);
    const before = await test.hub.db.selectFrom('integration_events').selectAll().where('integration_id', '=', source.id).execute();
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ status: 'processed', attempts: 0 });
    expect(before[0]?.processed_at).toBeInstanceOf(Date);

    const created = await test.request('post', '/api/routes', {
      token: quiet.tokens.admin,
      body: { name: 'all', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: '{{event.payload.title}}' } },
    });
    expect(created.status).toBe(201);
    testkitUpstream(source.config.dataset).records.set('q2', { priority: 1, title: 'After the route' });
    await syncAndWait(test, quiet, source.id);
    await waitFor('the new event to be routed', async () => testkitUpstream(targetData).actions.length === 1);
    expect(testkitUpstream(targetData).actions[0]?.input).toEqual({ message: 'After the route' });
  });

  it('runs the target action once per (route, event), renders the template, and never twice on replay', async () => {
    const source = await createTestkitIntegration(test, tenant, `route-src-${Math.random()}`);
    const targetData = `route-dst-${Math.random()}`;
    const target = await createTestkitIntegration(test, tenant, targetData);
    const sink = testkitUpstream(targetData);
    testkitUpstream(source.config.dataset).records.set('p1', { priority: 1, title: 'Broken MFA' });
    testkitUpstream(source.config.dataset).records.set('p2', { priority: 3, title: 'Minor' });

    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: {
        name: 'P1 to sink',
        filter: { sourceIntegrationId: source.id, eventType: 'items.*', fields: { priority: 1 } },
        targetIntegrationId: target.id,
        action: 'record',
        inputTemplate: { message: '{{integration.name}}: {{event.payload.title}} ({{event.type}})', priority: '{{event.payload.priority}}' },
      },
    });
    expect(created.status).toBe(201);
    const route = await created.json();

    await syncAndWait(test, tenant, source.id);
    await waitFor('the action to run', async () => (await actionRuns(route.id)).find((run) => run.status === 'succeeded'));
    expect(sink.actions).toEqual([{ input: { message: `${source.name}: Broken MFA (items.created)`, priority: 1 }, idempotencyKey: expect.stringMatching(/^route:/) }]);
    const [run] = await actionRuns(route.id);
    expect(run).toMatchObject({ kind: 'action', action: 'record', integration_id: target.id, idempotency_key: `route:${route.id}:${run?.event_id}` });

    const replay = await test.request('post', `/api/events/${run?.event_id}/replay`, { token: tenant.tokens.operator });
    expect(replay.status).toBe(202);
    await waitFor('the replayed event to be processed', async () => {
      const event = await (await test.request('get', `/api/events/${run?.event_id}`, { token: tenant.tokens.viewer })).json();
      return event.status === 'processed';
    });
    expect(sink.actions).toHaveLength(1);
    expect(await actionRuns(route.id)).toHaveLength(1);
  });

  it('retries a failed action on replay, and opens a task on the target after retries', async () => {
    const source = await createTestkitIntegration(test, tenant, `route-src-${Math.random()}`);
    const targetData = `route-dst-${Math.random()}`;
    const target = await createTestkitIntegration(test, tenant, targetData);
    const sink = testkitUpstream(targetData);
    const route = await (
      await test.request('post', '/api/routes', {
        token: tenant.tokens.admin,
        body: { name: 'all', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'x {{event.externalId}}' } },
      })
    ).json();
    testkitUpstream(source.config.dataset).records.set('q1', { n: 1 });
    sink.failures.push({ code: 'permission_denied' });
    await syncAndWait(test, tenant, source.id);
    const failed = await waitFor('the action to fail', async () => (await actionRuns(route.id)).find((run) => run.status === 'failed'));
    expect(failed.error_code).toBe('permission_denied');
    const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${target.id}`, { token: tenant.tokens.viewer })).json();
    expect(tasks.map((t: { code: string }) => t.code)).toEqual(['permission_denied']);

    await test.request('post', `/api/events/${failed.event_id}/replay`, { token: tenant.tokens.operator });
    await waitFor('the retried action to succeed', async () => (await actionRuns(route.id)).find((run) => run.status === 'succeeded'));
    expect(sink.actions).toHaveLength(1);
    expect(await actionRuns(route.id)).toHaveLength(1);
  });

  it('routes the failure of a route action once, but not the failure of an action that was handling a failure: no loop between two failing targets', async () => {
    const own = await test.createTenant(`loop-${Math.random().toString(36).slice(2, 8)}`);
    const source = await createTestkitIntegration(test, own, `loop-src-${Math.random()}`);
    const sink = await createTestkitIntegration(test, own, `loop-sink-${Math.random()}`);
    const [t1, t2] = [await createTestkitIntegration(test, own, `loop-t1-${Math.random()}`), await createTestkitIntegration(test, own, `loop-t2-${Math.random()}`)];
    // Both alert targets have broken credentials: every action on them fails.
    for (const target of [t1, t2]) testkitUpstream(target.config.dataset).failures.push(...Array.from({ length: 50 }, () => ({ code: 'auth_invalid' as const })));
    const route = async (body: Record<string, unknown>) => {
      const created = await test.request('post', '/api/routes', { token: own.tokens.admin, body: { action: 'record', inputTemplate: { message: '{{event.type}}' }, ...body } });
      expect(created.status).toBe(201);
      return (await created.json()).id as string;
    };
    const toT1 = await route({ name: 'failures to t1', filter: { eventType: 'failure.*' }, targetIntegrationId: t1.id });
    const toT2 = await route({ name: 'failures to t2', filter: { eventType: 'failure.*' }, targetIntegrationId: t2.id });
    await route({ name: 'records to t1', filter: { sourceIntegrationId: source.id, eventType: 'items.*' }, targetIntegrationId: t1.id });

    // An ordinary event whose route action fails: that failure is routed (t2 alerts about t1) …
    testkitUpstream(source.config.dataset).records.set('l1', { n: 1 });
    await syncAndWait(test, own, source.id);
    // … and a poll failure is routed to both alert targets.
    testkitUpstream(sink.config.dataset).failures.push({ code: 'permission_denied', afterPages: 0 });
    expect((await syncAndWait(test, own, sink.id)).status).toBe('failed');

    const actionRuns = () => test.hub.db.selectFrom('integration_runs').selectAll().where('tenant_id', '=', own.id).where('kind', '=', 'action').execute();
    const failureEvents = () => test.hub.db.selectFrom('integration_events').selectAll().where('tenant_id', '=', own.id).where('source', '=', 'system').execute();
    // records→t1, t1's failure→t2, sink's failure→t1 and →t2: four actions, all failed.
    await waitFor('the four actions to fail', async () => (await actionRuns()).filter((run) => run.status === 'failed').length >= 4);
    await waitFor('every failure event to be processed', async () => (await failureEvents()).every((event) => event.status === 'processed') && (await failureEvents()).length === 5);
    await sleep(1_000);
    const runs = await actionRuns();
    expect(runs).toHaveLength(4);
    expect(runs.filter((run) => run.route_id === toT2)).toHaveLength(2);
    expect(runs.filter((run) => run.route_id === toT1)).toHaveLength(1);
    // The failures of the actions that were handling failures say so, and stopped there.
    const events = await failureEvents();
    const handlingFailures = events.filter((event) => (event.payload as { cause?: { eventType?: string } }).cause?.eventType?.startsWith('failure.'));
    expect(handlingFailures).toHaveLength(3);
    expect(await test.hub.db.selectFrom('integration_runs').select('id').where('event_id', 'in', handlingFailures.map((event) => event.id)).execute()).toEqual([]);
  });

  it('validates routes: unknown target, unknown action, another tenant', async () => {
    const target = await createTestkitIntegration(test, tenant, `route-v-${Math.random()}`);
    const bad = await test.request('post', '/api/routes', { token: tenant.tokens.admin, body: { name: 'x', targetIntegrationId: target.id, action: 'launch_rocket' } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.fields[0]).toEqual({ path: 'body.action', message: 'expected one of: record' });
    const other = await test.createTenant(`other-${Math.random().toString(36).slice(2, 8)}`);
    const foreign = await test.request('post', '/api/routes', { token: other.tokens.admin, body: { name: 'x', targetIntegrationId: target.id, action: 'record' } });
    expect(foreign.status).toBe(400);
    expect((await foreign.json()).error.fields[0].path).toBe('body.targetIntegrationId');
  });
  /** A route from a fresh source to a fresh testkit target, and that target's upstream. */
  async function routeToSink(body: Record<string, unknown> = {}) {
    const source = await createTestkitIntegration(test, tenant, `route-src-${Math.random()}`);
    const targetData = `route-dst-${Math.random()}`;
    const target = await createTestkitIntegration(test, tenant, targetData);
    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'all', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'x {{event.externalId}}' }, ...body },
    });
    expect(created.status).toBe(201);
    return { source, target, sink: testkitUpstream(targetData), route: await created.json() };
  }

  it('records an action that succeeded upstream as succeeded when queueing the alert update of the task it resolves fails, so a replay does not repeat it', async () => {
    const { source, target, sink, route } = await routeToSink();
    testkitUpstream(source.config.dataset).records.set('e1', { title: 'hello' });
    sink.failures.push({ code: 'permission_denied' });
    await syncAndWait(test, tenant, source.id);
    const failed = await waitFor('the action to fail', async () => (await actionRuns(route.id)).find((run) => run.status === 'failed'));
    const task = await test.hub.db.selectFrom('tasks').selectAll().where('integration_id', '=', target.id).executeTakeFirstOrThrow();
    // The task's alert was posted (to Slack, say): resolving the task queues an in-place update.
    await test.hub.db.insertInto('task_alerts').values({ tenant_id: tenant.id, task_id: task.id, integration_id: target.id, channel: 'C1', ts: '1.0' }).execute();

    // The queue fails for every job but the replayed action's own: the alert update cannot be queued.
    const add = test.hub.queue.add;
    test.hub.queue.add = async (queue, name, data, options) => {
      const runId = (data as { runId?: string } | undefined)?.runId;
      if (runId !== undefined && runId !== failed.id) throw new Error('Connection is closed.');
      return add.call(test.hub.queue, queue, name, data, options);
    };
    try {
      expect((await test.request('post', `/api/events/${failed.event_id}/replay`, { token: tenant.tokens.operator })).status).toBe(202);
      await waitFor('the replayed action to finish', async () => (await actionRuns(route.id)).find((run) => run.finished_at !== null && run.finished_at > failed.finished_at!));
    } finally {
      test.hub.queue.add = add;
    }
    expect(await actionRuns(route.id)).toEqual([expect.objectContaining({ status: 'succeeded', error_code: null })]);
    // The success's bookkeeping went as far as it could: the task is resolved.
    expect((await test.hub.db.selectFrom('tasks').select('status').where('id', '=', task.id).executeTakeFirstOrThrow()).status).toBe('resolved');

    // A replay of the event now repeats nothing.
    expect((await test.request('post', `/api/events/${failed.event_id}/replay`, { token: tenant.tokens.operator })).status).toBe(202);
    await waitFor('the replayed event to be processed', async () => (await test.hub.db.selectFrom('integration_events').select('status').where('id', '=', failed.event_id!).executeTakeFirstOrThrow()).status === 'processed');
    expect(sink.actions).toHaveLength(1);
  });

  it("does not resolve one route's task when another route's action of the same name succeeds", async () => {
    // Route B is broken: its template finds no message in the events (config_invalid). Route A works.
    const { source, target, route: broken } = await routeToSink({ name: 'B', inputTemplate: { message: '{{event.payload.absent}}' } });
    const narrowed = await test.request('patch', `/api/routes/${broken.id}`, { token: tenant.tokens.admin, body: { filter: { sourceIntegrationId: source.id, fields: { kind: 'b' } } } });
    expect(narrowed.status).toBe(200);
    const good = await (
      await test.request('post', '/api/routes', {
        token: tenant.tokens.admin,
        body: { name: 'A', filter: { sourceIntegrationId: source.id, fields: { kind: 'a' } }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'ok {{event.externalId}}' } },
      })
    ).json();
    const upstream = testkitUpstream(source.config.dataset);
    upstream.records.set('b1', { kind: 'b' });
    await syncAndWait(test, tenant, source.id);
    await waitFor('B to fail', async () => (await actionRuns(broken.id)).find((run) => run.status === 'failed'));
    const [task] = (await (await test.request('get', `/api/tasks?integrationId=${target.id}&status=open`, { token: tenant.tokens.viewer })).json()).tasks;
    expect(task).toMatchObject({ code: 'config_invalid', failingOperations: [`action:record:route:${broken.id}`] });

    // Keyed after b1: the poll's cursor is the last key it saw.
    upstream.records.set('c1', { kind: 'a' });
    await syncAndWait(test, tenant, source.id);
    await waitFor('A to succeed', async () => (await actionRuns(good.id)).find((run) => run.status === 'succeeded'));
    expect(await (await test.request('get', `/api/tasks/${task.id}`, { token: tenant.tokens.viewer })).json()).toMatchObject({ status: 'open' });
  });

  it("settles a task opened before route actions were told apart (operation 'action:<action>') on the route's success", async () => {
    const { source, target, route } = await routeToSink();
    const { task } = await openOrUpdateTask(test.hub, {
      tenantId: tenant.id, integrationId: target.id, integrationName: target.name, code: 'permission_denied', message: 'denied', operation: 'action:record',
    });
    testkitUpstream(source.config.dataset).records.set('e1', { title: 'hello' });
    await syncAndWait(test, tenant, source.id);
    await waitFor('the action to succeed', async () => (await actionRuns(route.id)).find((run) => run.status === 'succeeded'));
    expect(await (await test.request('get', `/api/tasks/${task.id}`, { token: tenant.tokens.viewer })).json()).toMatchObject({ status: 'resolved', failingOperations: [] });
  });

  it("refuses a template field the target action does not take, naming it, on create and on change; placeholders are fine", async () => {
    const target = await createTestkitIntegration(test, tenant, `route-keys-${Math.random()}`);
    const create = (inputTemplate: Record<string, unknown>) =>
      test.request('post', '/api/routes', { token: tenant.tokens.admin, body: { name: 'k', targetIntegrationId: target.id, action: 'record', inputTemplate } });
    const refused = await create({ message: '{{event.type}}', Priority: 1 });
    expect(refused.status).toBe(400);
    const { error } = await refused.json();
    expect(error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('Priority') });
    expect(error.fields).toEqual([{ path: 'body.inputTemplate.Priority', message: expect.stringContaining('message, priority') }]);

    const created = await create({ message: '{{event.type}}', priority: '{{event.payload.priority}}' });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const patched = await test.request('patch', `/api/routes/${id}`, { token: tenant.tokens.admin, body: { inputTemplate: { mesage: 'typo' } } });
    expect(patched.status).toBe(400);
    // The typo, and the required input it leaves out.
    expect((await patched.json()).error.fields).toEqual([
      { path: 'body.inputTemplate.mesage', message: expect.any(String) },
      { path: 'body.inputTemplate.message', message: expect.stringContaining('required') },
    ]);
  });

  it('refuses a template with more placeholders than any input needs, on create and on change, and one that writes the stand-in for an unrendered input', async () => {
    const target = await createTestkitIntegration(test, tenant, `route-limits-${Math.random()}`);
    const amplifying = { message: '{{event.payload.blob}}'.repeat(45_000) };
    const create = (inputTemplate: Record<string, unknown>) =>
      test.request('post', '/api/routes', { token: tenant.tokens.admin, body: { name: 'amplify', targetIntegrationId: target.id, action: 'record', inputTemplate } });
    const refused = await create(amplifying);
    expect(refused.status).toBe(400);
    expect((await refused.json()).error).toMatchObject({
      code: 'validation_failed',
      fields: [{ path: 'body.inputTemplate', message: `holds 45000 placeholders; at most ${MAX_TEMPLATE_PLACEHOLDERS} are allowed` }],
    });
    const reserved = await create({ message: 'x', $unrenderedInput: 'mine' });
    expect(reserved.status).toBe(400);
    expect((await reserved.json()).error.fields).toEqual([{ path: 'body.inputTemplate.$unrenderedInput', message: 'is reserved by the hub' }]);

    const created = await create({ message: '{{event.type}}' });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const patched = await test.request('patch', `/api/routes/${id}`, { token: tenant.tokens.admin, body: { inputTemplate: amplifying } });
    expect(patched.status).toBe(400);
    expect((await patched.json()).error.fields).toEqual([{ path: 'body.inputTemplate', message: expect.stringContaining('45000 placeholders') }]);
    expect(await test.hub.db.selectFrom('routes').select('input_template').where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ input_template: { message: '{{event.type}}' } });
  });

  it("fails only the action of an event its template renders too large for (config_invalid, a task, a failure event); its other routes and the events routed with it go on", async () => {
    const source = await createTestkitIntegration(test, tenant, `route-amp-src-${Math.random()}`);
    const [amplified, plain] = [await createTestkitIntegration(test, tenant, `route-amp-${Math.random()}`), await createTestkitIntegration(test, tenant, `route-plain-${Math.random()}`)];
    const route = async (target: string, message: string) => {
      const created = await test.request('post', '/api/routes', {
        token: tenant.tokens.admin,
        body: { name: `to ${target}`, filter: { sourceIntegrationId: source.id }, targetIntegrationId: target, action: 'record', inputTemplate: { message } },
      });
      expect(created.status).toBe(201);
      return (await created.json()).id as string;
    };
    // Within the placeholders a template may hold, but 12 KB each: about 12 MB for the big event.
    const amplifying = await route(amplified.id, '{{event.payload.blob}}'.repeat(MAX_TEMPLATE_PLACEHOLDERS - 1));
    await route(plain.id, 'hi {{event.externalId}}');

    const deliver = (id: string, blob: string) => {
      const body = JSON.stringify({ type: 'x.created', id, data: { blob } });
      return test.request('post', `/hooks/${source.id}`, { body, headers: { [TESTKIT_SIGNATURE_HEADER]: signTestkit('hook-secret-123', body) } });
    };
    // Sent together, so that they share a commit and, usually, a routing job.
    const answers = await Promise.all([deliver('big', 'y'.repeat(12 * 1024)), ...[1, 2, 3].map((n) => deliver(`small-${n}`, 'z'))]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);

    const events = () => test.hub.db.selectFrom('integration_events').select(['id', 'external_id', 'status']).where('integration_id', '=', source.id).orderBy('external_id').execute();
    await waitFor('every event to be routed', async () => (await events()).filter((event) => event.status === 'processed').length === 4);
    await waitFor('the plain route to act on every event', async () => testkitUpstream(plain.config.dataset).actions.length === 4);
    await waitFor('the amplifying route to act on the small events', async () => testkitUpstream(amplified.config.dataset).actions.length === 3);

    const big = (await events()).find((event) => event.external_id === 'big');
    const failed = await waitFor('the big event\'s action to fail', async () =>
      (await actionRuns(amplifying)).find((run) => run.event_id === big?.id && run.status === 'failed'));
    expect(failed).toMatchObject({ error_code: 'config_invalid', error_message: expect.stringContaining('cannot be rendered'), input: { $unrenderedInput: expect.stringContaining('characters') } });
    const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${amplified.id}`, { token: tenant.tokens.viewer })).json();
    expect(tasks.map((task: { code: string }) => task.code)).toEqual(['config_invalid']);
    const failures = await test.hub.db.selectFrom('integration_events').select('type').where('integration_id', '=', amplified.id).where('source', '=', 'system').execute();
    expect(failures).toEqual([{ type: 'failure.config_invalid' }]);
  });
});
