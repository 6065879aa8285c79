import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { signedServiceNowPush } from '../../test-support/servicenow-push.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, waitRun } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// A change pushed and then polled is two events of one record version, and a route acts on it
// once, keyed by the version (route-run-key.ts); the run names the first event. A replay re-runs
// the failed actions of the event it is asked for (README, API): of the later, polled event too,
// as an operator replays the event in front of them, not the one that happened to come first.

describe.each(RUNTIME_MODES)('replaying the later event of one record version, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    fake = await startFakeServiceNow({ auth: { basic: { user: 'svc', pass: 'pw-123456' } } });
    test = await startTestHub({ label: 'replay_record_version', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
    await fake?.close();
  });

  it('runs the failed action the pushed event started again', async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'servicenow', name: 'SN', config: { instanceUrl: fake.url },
        credentials: { auth: { type: 'basic', username: 'svc', password: 'pw-123456' }, webhookSecret: secret },
        schedules: SERVICENOW_SCHEDULES_OFF,
      },
    });
    expect(created.status).toBe(201);
    const sourceId = (await created.json()).id as string;
    const dataset = `sink-${Math.random()}`;
    const target = await createTestkitIntegration(test, tenant, dataset);
    const route = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'incidents', filter: { sourceIntegrationId: sourceId, eventType: 'incident.*' }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: '{{event.type}}' } },
    });
    expect(route.status).toBe(201);
    const routeId = (await route.json()).id as string;

    // The push's action fails for good (not transient: no retry).
    testkitUpstream(dataset).failures.push({ code: 'permission_denied' });
    const record = fake.records.upsert('incident', { short_description: 'Payroll down' });
    const pushed = await test.request('post', `/hooks/${sourceId}`, signedServiceNowPush(secret, { table: 'incident', action: 'insert', record }));
    expect(pushed.status).toBe(202);
    const failedRun = await waitFor('the action to fail', async () => {
      const row = await test.hub.db.selectFrom('integration_runs').selectAll().where('route_id', '=', routeId).executeTakeFirst();
      return row && row.status === 'failed' ? row : undefined;
    });

    // The same version is polled: a second event, routed onto the failed run's key.
    const { runs } = await (await test.request('post', `/api/integrations/${sourceId}/sync`, { token: tenant.tokens.operator, body: { stream: 'incident' } })).json();
    expect((await waitRun(test, tenant, runs[0].id)).status).toBe('succeeded');
    const polled = await waitFor('the polled event routed', async () =>
      test.hub.db.selectFrom('integration_events').select(['id', 'status']).where('integration_id', '=', sourceId).where('source', '=', 'poll').where('status', '=', 'processed').executeTakeFirst(),
    );

    // The upstream is fixed; the operator replays the polled event.
    const replay = await test.request('post', `/api/events/${polled.id}/replay`, { token: tenant.tokens.operator });
    expect(replay.status).toBe(202);
    await waitFor('the replayed event routed', async () =>
      (await test.hub.db.selectFrom('integration_events').select('status').where('id', '=', polled.id).executeTakeFirstOrThrow()).status === 'processed',
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await test.hub.db.selectFrom('integration_runs').select(['id', 'status', 'event_id']).where('route_id', '=', routeId).execute();
    expect(after).toEqual([{ id: failedRun.id, status: 'succeeded', event_id: failedRun.event_id }]);
    expect(testkitUpstream(dataset).actions).toHaveLength(1);
  });
});
