import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, insertPendingEvent } from '../../test-support/testkit-integration.ts';
import type { Principal } from '../auth/principal.ts';
import { routeRunKey } from '../routes/route-run-key.ts';
import type { HubContext } from '../server/hub-context.ts';
import { replayEvent } from './event-replay.service.ts';

// A replay queues the event's failed actions anew. Their queued_at is compared with when their
// target was paused (run.hold.ts), which the database stamps; stamped by an API process whose
// clock runs behind, a replay made after a pause would look queued before it and run regardless.

describe.each(RUNTIME_MODES.filter((mode) => mode.options.database === 'postgres'))('a replay by an API process whose clock is behind ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'replay_skew', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('queues the failed action again by the database clock', async () => {
    const source = await createTestkitIntegration(test, tenant, `replay-skew-src-${Math.random()}`);
    const target = await createTestkitIntegration(test, tenant, `replay-skew-dst-${Math.random()}`);
    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'skew', filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'x {{event.externalId}}' } },
    });
    expect(created.status).toBe(201);
    const routeId = (await created.json()).id as string;
    const eventId = await insertPendingEvent(test, tenant, source.id, 'skewed');
    const failed = await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: target.id, kind: 'action', trigger: 'route', route_id: routeId, event_id: eventId, action: 'record',
        idempotency_key: routeRunKey(routeId, eventId), status: 'failed', error_code: 'upstream_unavailable', error_message: 'down',
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const principal: Principal = { tenantId: tenant.id, role: 'operator', actorType: 'token', actorId: 'skewed', label: 'token:skewed', person: 'token:skewed' };
    const apiBehind: HubContext = { ...test.hub, clock: () => new Date(Date.now() - 3_600_000) };
    const outcome = await replayEvent(apiBehind, principal, eventId, 'replay-skew');
    expect(outcome.failedActionsRetried).toBe(1);

    const run = await test.hub.db.selectFrom('integration_runs').select(['status', 'queued_at']).where('id', '=', failed.id).executeTakeFirstOrThrow();
    const event = await test.hub.db.selectFrom('integration_events').select('replayed_at').where('id', '=', eventId).executeTakeFirstOrThrow();
    expect(run.status).toBe('queued');
    // One transaction, one database clock: the replay and the run it queued carry the same time.
    expect(run.queued_at.toISOString()).toBe(event.replayed_at!.toISOString());
  });
});
