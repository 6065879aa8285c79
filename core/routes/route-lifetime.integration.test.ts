import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { processEvents } from '../events/event.processor.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, insertPendingEvent } from '../../test-support/testkit-integration.ts';

// README, Routes: routing applies to events received while the route is enabled; older events are
// not routed retroactively, a replay sends one through the routes of now. An event still waiting
// to be routed (the workers down, a backlog) when a route is created or switched on was routed by
// it all the same: "all findings → Slack" posted the whole backlog.

describe.each(RUNTIME_MODES)('what a route acts on, by when it was enabled, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let target = '';
  let other = '';

  beforeAll(async () => {
    // No workers: events wait to be routed, as on a busy hub or while the workers are down.
    test = await startTestHub({ label: 'route_lifetime', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
    target = (await createTestkitIntegration(test, tenant, 'lifetime-target')).id;
    other = (await createTestkitIntegration(test, tenant, 'lifetime-other')).id;
    // The tenant has a route already, so its events are stored waiting for routing.
    expect((await createRoute(other)).status).toBe(201);
  });
  afterAll(async () => {
    await test?.close();
  });

  function createRoute(sourceId: string) {
    return test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: `from ${sourceId}`, filter: { sourceIntegrationId: sourceId }, targetIntegrationId: target, action: 'record', inputTemplate: { message: 'got {{event.externalId}}' } },
    });
  }

  const pendingEvent = (sourceId: string, externalId: string) => insertPendingEvent(test, tenant, sourceId, externalId);

  const runsOf = (routeId: string) => test.hub.db.selectFrom('integration_runs').select('event_id').where('route_id', '=', routeId).execute();

  it('leaves an event received before the route was created to a replay, and acts on the ones after', async () => {
    const source = (await createTestkitIntegration(test, tenant, 'lifetime-created')).id;
    const older = await pendingEvent(source, 'older');
    const route = await (await createRoute(source)).json();
    const newer = await pendingEvent(source, 'newer');

    await processEvents(test.hub, [older, newer]);
    expect(await runsOf(route.id)).toEqual([{ event_id: newer }]);

    const replay = await test.request('post', `/api/events/${older}/replay`, { token: tenant.tokens.operator });
    expect(replay.status).toBe(202);
    await processEvents(test.hub, [older]);
    expect((await runsOf(route.id)).map((run) => run.event_id).sort()).toEqual([newer, older].sort());
  });

  it('does not act on events received while it was switched off, once switched on again', async () => {
    const source = (await createTestkitIntegration(test, tenant, 'lifetime-switched')).id;
    const route = await (await createRoute(source)).json();
    expect((await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { enabled: false } })).status).toBe(200);
    const whileOff = await pendingEvent(source, 'while-off');
    expect((await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { enabled: true } })).status).toBe(200);
    const afterOn = await pendingEvent(source, 'after-on');
    // A change that keeps it on does not move when it was switched on.
    expect((await test.request('patch', `/api/routes/${route.id}`, { token: tenant.tokens.admin, body: { name: 'renamed', enabled: true } })).status).toBe(200);
    const afterRename = await pendingEvent(source, 'after-rename');

    await processEvents(test.hub, [whileOff, afterOn, afterRename]);
    expect((await runsOf(route.id)).map((run) => run.event_id).sort()).toEqual([afterOn, afterRename].sort());
  });

  it('tells apart an event and a route enabled within the same millisecond', async () => {
    const source = (await createTestkitIntegration(test, tenant, 'lifetime-micro')).id;
    const route = await (await createRoute(source)).json();
    const event = await pendingEvent(source, 'just-before');
    // Received at .000100, the route enabled at .000900 of the same millisecond: the event is older.
    await sql`update integration_events set received_at = '2030-01-01T00:00:00.000100Z' where id = ${event}`.execute(test.hub.db);
    await sql`update routes set enabled_at = '2030-01-01T00:00:00.000900Z' where id = ${route.id}`.execute(test.hub.db);

    await processEvents(test.hub, [event]);
    expect(await runsOf(route.id)).toEqual([]);
  });

  // During a rolling upgrade the previous version's processes keep working on the migrated schema
  // (README) and know neither column: the database stamps them for their writes too.
  it('counts a replay and a switch-on written by a previous version, which sets neither stamp', async () => {
    const source = (await createTestkitIntegration(test, tenant, 'lifetime-rolling')).id;
    const replayed = await pendingEvent(source, 'replayed-by-old');
    await processEvents(test.hub, [replayed]);
    const route = await (await createRoute(source)).json();
    await sql`update routes set enabled = false where id = ${route.id}`.execute(test.hub.db);
    const whileOff = await pendingEvent(source, 'while-off');

    // What the previous version's route update and (then) replay write. PGlite's clock counts whole
    // milliseconds: statements this quick need a pause between them to get stamps of their own.
    await sleep(5);
    await sql`update routes set enabled = true where id = ${route.id}`.execute(test.hub.db);
    await sleep(5);
    await sql`update integration_events set status = 'pending', processed_at = null where id = ${replayed}`.execute(test.hub.db);

    await processEvents(test.hub, [replayed, whileOff]);
    expect(await runsOf(route.id)).toEqual([{ event_id: replayed }]);
  });
});
