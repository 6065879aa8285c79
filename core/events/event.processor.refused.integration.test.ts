import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, insertPendingEvent } from '../../test-support/testkit-integration.ts';
import { processEvents } from './event.processor.ts';

// Events are routed in batches, and one statement stores the action runs of a whole batch. A run
// the database refuses for one event (here a trigger stands in for a value it cannot store) would
// fail the batch on every retry, and the reconciler would keep sending the same events back: the
// events batched with it were never routed. Only the refused event fails, and says why.

describe.each(RUNTIME_MODES)('routing an event whose action run the database refuses, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'route_refused', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
    await sql`create function refuse_poison_runs() returns trigger language plpgsql as $$
      begin
        if new.input::text like '%poison%' then raise exception 'input refused' using errcode = '22023'; end if;
        return new;
      end $$`.execute(test.hub.db);
    await sql`create trigger refuse_poison_runs before insert on integration_runs for each row execute function refuse_poison_runs()`.execute(test.hub.db);
  });
  afterAll(async () => {
    await test?.close();
  });

  const pendingEvent = (sourceId: string, externalId: string) => insertPendingEvent(test, tenant, sourceId, externalId);

  it('routes the others of its batch and marks it failed with the reason, until a replay routes it', async () => {
    const source = await createTestkitIntegration(test, tenant, `rf-src-${Math.random()}`);
    const target = await createTestkitIntegration(test, tenant, `rf-dst-${Math.random()}`);
    const route = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'refused', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'got {{event.externalId}}' } },
    });
    expect(route.status).toBe(201);
    const before = await pendingEvent(source.id, 'fine-1');
    const poison = await pendingEvent(source.id, 'poison');
    const after = await pendingEvent(source.id, 'fine-2');

    await expect(processEvents(test.hub, [before, poison, after])).resolves.toBeUndefined();

    for (const id of [before, after]) {
      const routed = await test.request('get', `/api/events/${id}`, { token: tenant.tokens.viewer });
      expect(await routed.json()).toMatchObject({ status: 'processed', error: null });
      const runs = await test.hub.db.selectFrom('integration_runs').select('status').where('event_id', '=', id).execute();
      expect(runs).toEqual([{ status: 'queued' }]);
    }
    const refused = await test.request('get', `/api/events/${poison}`, { token: tenant.tokens.viewer });
    expect(await refused.json()).toMatchObject({ status: 'failed', error: 'routing failed: input refused', processedAt: expect.any(String) });
    expect(await test.hub.db.selectFrom('integration_runs').select('id').where('event_id', '=', poison).execute()).toEqual([]);
    const listed = await test.request('get', `/api/events?status=failed&integrationId=${source.id}`, { token: tenant.tokens.viewer });
    expect((await listed.json()).events.map((event: { id: string }) => event.id)).toEqual([poison]);

    // Fixed (the trigger gone), a replay routes it, and the reason is cleared.
    await sql`drop trigger refuse_poison_runs on integration_runs`.execute(test.hub.db);
    const replay = await test.request('post', `/api/events/${poison}/replay`, { token: tenant.tokens.operator });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toMatchObject({ status: 'pending', error: null });
    await processEvents(test.hub, [poison]);
    const replayed = await test.request('get', `/api/events/${poison}`, { token: tenant.tokens.viewer });
    expect(await replayed.json()).toMatchObject({ status: 'processed', error: null });
    expect(await test.hub.db.selectFrom('integration_runs').select('status').where('event_id', '=', poison).execute()).toEqual([{ status: 'queued' }]);
  });
});
