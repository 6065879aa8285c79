import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// A failure task of a route's action stays open until that action succeeds again. Once the route is
// deleted, switched off, or acts on another integration or with another action, it never will: the task would stay
// open (and the target failing) for good, so the action comes off it.

describe.each(RUNTIME_MODES)('failure tasks of a route that is deleted, retargeted or switched off, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'route-withdrawn', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  async function createRoute(sourceId: string, targetId: string): Promise<{ id: string; name: string }> {
    const response = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: `route-${Math.random().toString(36).slice(2)}`, filter: { sourceIntegrationId: sourceId }, targetIntegrationId: targetId, action: 'record', inputTemplate: { message: '{{event.type}}' } },
    });
    expect(response.status).toBe(201);
    return response.json();
  }

  /** A source to poll and a target whose `record` action the routes run, each on a dataset of its own. */
  async function sourceAndTarget(label: string) {
    const sourceData = `${label}-src-${Math.random()}`;
    const targetData = `${label}-dst-${Math.random()}`;
    return {
      source: await createTestkitIntegration(test, tenant, sourceData),
      target: await createTestkitIntegration(test, tenant, targetData),
      sourceUpstream: testkitUpstream(sourceData),
      targetUpstream: testkitUpstream(targetData),
    };
  }

  async function taskOf(taskId: string) {
    return (await test.request('get', `/api/tasks/${taskId}`, { token: tenant.tokens.viewer })).json();
  }

  it('takes the action off its task, which resolves when nothing else is failing', async () => {
    const { source, target, sourceUpstream, targetUpstream } = await sourceAndTarget('withdrawn');
    const elsewhere = await createTestkitIntegration(test, tenant, `withdrawn-other-${Math.random()}`);
    const routes = [await createRoute(source.id, target.id), await createRoute(source.id, target.id), await createRoute(source.id, target.id)];
    const operation = (route: { id: string }) => `action:record:route:${route.id}`;

    // Each route's action fails for good on the one event.
    targetUpstream.failures.push({ code: 'config_invalid' }, { code: 'config_invalid' }, { code: 'config_invalid' });
    sourceUpstream.records.set('e1', { title: 'one' });
    expect((await syncAndWait(test, tenant, source.id)).status).toBe('succeeded');
    const opened = await waitFor('one task listing the three actions', async () => {
      const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${target.id}`, { token: tenant.tokens.viewer })).json();
      return tasks.length === 1 && tasks[0].failingOperations.length === 3 ? tasks[0] : undefined;
    });
    expect(opened).toMatchObject({ code: 'config_invalid', status: 'open' });

    expect((await test.request('delete', `/api/routes/${routes[0]!.id}`, { token: tenant.tokens.admin })).status).toBe(204);
    const afterDelete = await taskOf(opened.id);
    expect(afterDelete.status).toBe('open');
    expect([...afterDelete.failingOperations].sort()).toEqual([operation(routes[1]!), operation(routes[2]!)].sort());

    const patched = await test.request('patch', `/api/routes/${routes[1]!.id}`, { token: tenant.tokens.admin, body: { targetIntegrationId: elsewhere.id } });
    expect(patched.status).toBe(200);
    expect(await taskOf(opened.id)).toMatchObject({ status: 'open', failingOperations: [operation(routes[2]!)] });

    expect((await test.request('delete', `/api/routes/${routes[2]!.id}`, { token: tenant.tokens.admin })).status).toBe(204);
    const resolved = await taskOf(opened.id);
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'system', failingOperations: [] });
    expect(resolved.history.at(-1)).toMatchObject({ action: 'resolved', actor: 'system', note: `route "${routes[2]!.name}" was deleted` });
  });

  it('takes the action of a route switched off off its task; switching it on again does not bring it back', async () => {
    const { source, target, sourceUpstream, targetUpstream } = await sourceAndTarget('off');
    const route = await createRoute(source.id, target.id);
    targetUpstream.failures.push({ code: 'config_invalid' });
    sourceUpstream.records.set('e1', { title: 'one' });
    await syncAndWait(test, tenant, source.id);
    const opened = await waitFor('the task', async () => (await (await test.request('get', `/api/tasks?integrationId=${target.id}`, { token: tenant.tokens.viewer })).json()).tasks[0]);
    expect(opened.failingOperations).toEqual([`action:record:route:${route.id}`]);

    const off = await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { enabled: false } });
    expect(off.status).toBe(200);
    const resolved = await taskOf(opened.id);
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'system', failingOperations: [] });
    expect(resolved.history.at(-1)).toMatchObject({ action: 'resolved', actor: 'system', note: `route "${route.name}" was switched off` });

    const on = await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { enabled: true } });
    expect(on.status).toBe(200);
    expect(await taskOf(opened.id)).toMatchObject({ status: 'resolved', failingOperations: [] });
  });

  it('leaves the task of a route that only changes its template or name', async () => {
    const { source, target, sourceUpstream, targetUpstream } = await sourceAndTarget('kept');
    const route = await createRoute(source.id, target.id);
    targetUpstream.failures.push({ code: 'config_invalid' });
    sourceUpstream.records.set('e1', { title: 'one' });
    await syncAndWait(test, tenant, source.id);
    const opened = await waitFor('the task', async () => (await (await test.request('get', `/api/tasks?integrationId=${target.id}`, { token: tenant.tokens.viewer })).json()).tasks[0]);

    const patched = await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { name: 'renamed', inputTemplate: { message: 'fixed {{event.type}}' } } });
    expect(patched.status).toBe(200);
    expect(await taskOf(opened.id)).toMatchObject({ status: 'open', failingOperations: [`action:record:route:${route.id}`] });
  });

  it('cancels an action run of the route still waiting for its retry: it does not act, nor reopen a task', async () => {
    const { source, target, sourceUpstream, targetUpstream } = await sourceAndTarget('waiting');
    const route = await createRoute(source.id, target.id);
    // The first attempt is throttled and waits 3 s for its retry, which would fail for good.
    targetUpstream.failures.push({ code: 'rate_limited', retryAfterMs: 3_000 }, { code: 'config_invalid' });
    sourceUpstream.records.set('e1', { title: 'one' });
    await syncAndWait(test, tenant, source.id);
    const waiting = await waitFor('the action run waiting for its retry', async () =>
      test.hub.db.selectFrom('integration_runs').selectAll().where('route_id', '=', route.id).where('status', '=', 'queued').where('attempts', '>=', 1).executeTakeFirst(),
    );

    expect((await test.request('delete', `/api/routes/${route.id}`, { token: tenant.tokens.admin })).status).toBe(204);
    const settled = await waitFor('the retry to be settled', async () => {
      const run = await (await test.request('get', `/api/runs/${waiting.id}`, { token: tenant.tokens.viewer })).json();
      return ['cancelled', 'failed', 'succeeded'].includes(run.status) ? run : undefined;
    }, 20_000);
    expect(settled).toMatchObject({ status: 'cancelled', errorMessage: 'its route was deleted before it ran' });
    expect(targetUpstream.failures).toEqual([{ code: 'config_invalid' }]);
    expect(targetUpstream.actions).toEqual([]);
    const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${target.id}&status=unresolved`, { token: tenant.tokens.viewer })).json();
    expect(tasks).toEqual([]);
  });

  it('opens no task for an action that fails after its route was deleted while it ran', async () => {
    const { source, target, sourceUpstream, targetUpstream } = await sourceAndTarget('running');
    const route = await createRoute(source.id, target.id);
    let release = () => {};
    targetUpstream.actionGate = new Promise<void>((resolve) => (release = resolve));
    targetUpstream.failures.push({ code: 'config_invalid' });
    sourceUpstream.records.set('e1', { title: 'one' });
    await syncAndWait(test, tenant, source.id);
    const running = await waitFor('the action under way', async () =>
      test.hub.db.selectFrom('integration_runs').selectAll().where('route_id', '=', route.id).where('status', '=', 'running').executeTakeFirst(),
    );

    expect((await test.request('delete', `/api/routes/${route.id}`, { token: tenant.tokens.admin })).status).toBe(204);
    release();
    const failed = await waitFor('the action to fail', async () => {
      const run = await (await test.request('get', `/api/runs/${running.id}`, { token: tenant.tokens.viewer })).json();
      return run.status === 'failed' ? run : undefined;
    });
    expect(failed).toMatchObject({ errorCode: 'config_invalid' });
    const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${target.id}&status=unresolved`, { token: tenant.tokens.viewer })).json();
    expect(tasks).toEqual([]);
  });
});
