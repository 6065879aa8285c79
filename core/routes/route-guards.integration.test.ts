import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// What keeps a route from failing every event later, or from acting where it should not: checks
// when it is saved, no acting on its own target's events, and no acting once switched off.

describe.each(RUNTIME_MODES)('route guards ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'route_guards', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const post = (body: unknown) => test.request('post', '/api/routes', { token: tenant.tokens.admin, body });
  const kit = (name: string) => createTestkitIntegration(test, tenant, `${name}-${options.database}`);
  const fieldsOf = async (response: Awaited<ReturnType<typeof post>>) => {
    expect(response.status).toBe(400);
    return ((await response.json()).error.fields as Array<{ path: string; message: string }>);
  };

  it('refuses a template that leaves out an input the action requires, the default empty one too', async () => {
    const target = await kit('required');
    const partial = await fieldsOf(await post({ name: 'no message', targetIntegrationId: target.id, action: 'record', inputTemplate: { priority: '{{event.payload.priority}}' } }));
    expect(partial).toEqual([{ path: 'body.inputTemplate.message', message: expect.stringContaining('required') }]);
    const none = await fieldsOf(await post({ name: 'default template', targetIntegrationId: target.id, action: 'record' }));
    expect(none.map((field) => field.path)).toEqual(['body.inputTemplate.message']);
    // A value without a placeholder is sent as written for every event: the action's input decides now.
    const literal = await fieldsOf(await post({ name: 'literal', targetIntegrationId: target.id, action: 'record', inputTemplate: { message: '{{event.externalId}}', priority: 'high' } }));
    expect(literal).toEqual([{ path: 'body.inputTemplate.priority', message: expect.stringContaining('expected number') }]);
  });

  it('refuses a route whose target is its own source, and a filter naming no connector there is', async () => {
    const same = await kit('loop');
    const loop = await fieldsOf(await post({ name: 'loop', filter: { sourceIntegrationId: same.id }, targetIntegrationId: same.id, action: 'record', inputTemplate: { message: 'x' } }));
    expect(loop.map((field) => field.path)).toEqual(['body.targetIntegrationId']);
    const typo = await fieldsOf(await post({ name: 'typo', filter: { connector: 'servicenwo' }, targetIntegrationId: same.id, action: 'record', inputTemplate: { message: 'x' } }));
    expect(typo).toEqual([{ path: 'body.filter.connector', message: expect.stringContaining('servicenow') }]);
  });

  it("acts on other integrations' events, never on those of its own target", async () => {
    const source = await kit('others-source');
    const target = await kit('others-target');
    // Any testkit integration's events, the target's own included by the filter.
    expect((await post({ name: 'every kit event', filter: { connector: 'testkit' }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: '{{event.externalId}}' } })).status).toBe(201);
    testkitUpstream(target.config.dataset).records.set('own', { title: 'own change' });
    await syncAndWait(test, tenant, target.id);
    testkitUpstream(source.config.dataset).records.set('other', { title: 'other change' });
    await syncAndWait(test, tenant, source.id);
    await waitFor('the action on the source event', async () => testkitUpstream(target.config.dataset).actions.length > 0);
    const events = async (integrationId: string) => test.hub.db.selectFrom('integration_events').select('status').where('integration_id', '=', integrationId).execute();
    await waitFor('both events routed', async () => [...(await events(source.id)), ...(await events(target.id))].every((event) => event.status !== 'pending'));
    expect(testkitUpstream(target.config.dataset).actions.map((action) => (action.input as { message: string }).message)).toEqual(['other']);
  });

  it('lets a route saved before these checks be renamed and switched off', async () => {
    const kit = await createTestkitIntegration(test, tenant, `legacy-${options.database}`);
    const legacy = async (filter: Record<string, unknown>) =>
      (await test.hub.db.insertInto('routes').values({
        tenant_id: tenant.id, name: `legacy-${Math.random()}`, filter: JSON.stringify(filter), source_integration_id: (filter['sourceIntegrationId'] as string | undefined) ?? null,
        target_integration_id: kit.id, action: 'record', input_template: JSON.stringify({ message: 'x' }), enabled: true,
      }).returning('id').executeTakeFirstOrThrow()).id;
    const looping = await legacy({ sourceIntegrationId: kit.id });
    expect((await test.request('patch', `/api/routes/${looping}`, { token: tenant.tokens.admin, body: { enabled: false } })).status).toBe(200);
    const typo = await legacy({ connector: 'servicenwo' });
    expect((await test.request('patch', `/api/routes/${typo}`, { token: tenant.tokens.admin, body: { name: 'renamed' } })).status).toBe(200);
    // The whole route sent back as stored (an edit form, a client that PUTs what it read) is no change.
    const whole = { filter: { sourceIntegrationId: kit.id }, targetIntegrationId: kit.id, action: 'record', inputTemplate: { message: 'x' } };
    expect((await test.request('patch', `/api/routes/${looping}`, { token: tenant.tokens.admin, body: { ...whole, name: 'renamed loop' } })).status).toBe(200);
    // A change of its filter is checked again.
    expect((await test.request('patch', `/api/routes/${typo}`, { token: tenant.tokens.admin, body: { filter: { connector: 'servicenwo', eventType: 'x' } } })).status).toBe(400);
  });

  it('does not run a waiting retry of a route that was switched off', async () => {
    const source = await kit('off-source');
    const target = await kit('off-target');
    const created = await post({ name: 'to be switched off', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: '{{event.type}}' } });
    expect(created.status).toBe(201);
    const route = await created.json();
    // The first attempt is throttled and waits 3 s for its retry.
    testkitUpstream(target.config.dataset).failures.push({ code: 'rate_limited', retryAfterMs: 3_000 });
    testkitUpstream(source.config.dataset).records.set('e1', { title: 'one' });
    await syncAndWait(test, tenant, source.id);
    const waiting = await waitFor('the action run waiting for its retry', async () =>
      test.hub.db.selectFrom('integration_runs').selectAll().where('route_id', '=', route.id).where('status', '=', 'queued').where('attempts', '>=', 1).executeTakeFirst(),
    );
    expect((await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { enabled: false } })).status).toBe(200);
    const settled = await waitFor('the retry to be settled', async () => {
      const run = await (await test.request('get', `/api/runs/${waiting.id}`, { token: tenant.tokens.viewer })).json();
      return ['cancelled', 'failed', 'succeeded'].includes(run.status) ? run : undefined;
    }, 20_000);
    expect(settled).toMatchObject({ status: 'cancelled', errorMessage: expect.stringContaining('switched off') });
    expect(testkitUpstream(target.config.dataset).actions).toEqual([]);
  });
});
