import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { removeOldHistory } from './history-retention.ts';

// An old event is kept so that it can be replayed (its failed action is its target's latest
// failure). Each route acts on an event once because its action run holds the key: the run of the
// action that succeeded must stay with the event, or the replay acts again (a second alert, issue).

describe.each(RUNTIME_MODES)('history retention and the actions of a kept event on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({
      label: 'retention_kept_actions', ...options, connectors: [...connectors, testkit], workers: true, env: { HUB_HISTORY_RETENTION_DAYS: '30' },
    });
    tenant = await test.createTenant('acme');
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  const runsOf = (routeId: string) => test.hub.db.selectFrom('integration_runs').select(['id', 'status', 'event_id']).where('route_id', '=', routeId).execute();

  async function route(sourceId: string, targetId: string): Promise<string> {
    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: `to-${targetId}`, filter: { sourceIntegrationId: sourceId }, targetIntegrationId: targetId, action: 'record', inputTemplate: { message: 'x {{event.externalId}}' } },
    });
    expect(created.status).toBe(201);
    return (await created.json()).id;
  }

  /** An event routed to two targets, both actions succeeded, event and runs aged 40 days. */
  async function oldEventActedOnTwice() {
    const source = await createTestkitIntegration(test, tenant, `retention-actions-source-${randomUUID()}`);
    const failing = await createTestkitIntegration(test, tenant, `retention-actions-failing-${randomUUID()}`);
    const alerts = await createTestkitIntegration(test, tenant, `retention-actions-alerts-${randomUUID()}`);
    const toFailing = await route(source.id, failing.id);
    const toAlerts = await route(source.id, alerts.id);
    testkitUpstream(source.config.dataset).records.set('e1', { title: 'hello' });
    await syncAndWait(test, tenant, source.id);
    const [failed, alerted] = await waitFor('both actions to finish', async () => {
      const runs = [...(await runsOf(toFailing)), ...(await runsOf(toAlerts))];
      return runs.length === 2 && runs.every((run) => run.status === 'succeeded') && runs;
    });
    const eventId = failed!.event_id!;
    await sql`update integration_events set received_at = now() - interval '40 days' where id = ${eventId}`.execute(test.hub.db);
    await sql`update integration_runs set queued_at = now() - interval '40 days', started_at = now() - interval '40 days', finished_at = now() - interval '40 days'
      where event_id = ${eventId}`.execute(test.hub.db);
    return { failing, alerts, toFailing, toAlerts, failed: failed!, alerted: alerted!, eventId };
  }

  it('keeps the succeeded action of an event kept for its failed one, so a replay does not repeat it', async () => {
    const { alerts, toFailing, toAlerts, failed, alerted, eventId } = await oldEventActedOnTwice();

    // 40 days on: the first action failed then (its target's latest failure, so the event is kept
    // for its replay); the alert succeeded, and its integration has succeeded since.
    await sql`update integration_runs set status = 'failed', error_code = 'upstream_unavailable' where id = ${failed.id}`.execute(test.hub.db);
    await sql`insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, idempotency_key, status, queued_at, started_at, finished_at)
      values (${tenant.id}, ${alerts.id}, 'poll', 'items', 'schedule', ${`later-${randomUUID()}`}, 'succeeded', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day')`.execute(test.hub.db);

    await removeOldHistory(test.hub);

    // The operator retries the failed action by replaying the event: only that one runs again.
    expect((await test.request('post', `/api/events/${eventId}/replay`, { token: tenant.tokens.operator })).status).toBe(202);
    await waitFor('the failed action to succeed', async () => (await runsOf(toFailing))[0]?.status === 'succeeded');
    await waitFor('the event to be routed', async () => {
      const event = await test.hub.db.selectFrom('integration_events').select('status').where('id', '=', eventId).executeTakeFirstOrThrow();
      return event.status === 'processed';
    });
    // The alert's one run, the one of 40 days ago: no second one acted on the event.
    expect(await runsOf(toAlerts)).toEqual([{ id: alerted.id, status: 'succeeded', event_id: eventId }]);
  });

  it('keeps the succeeded action of an event kept by an action that finished after the cutoff (held while its target was paused)', async () => {
    const { failing, alerts, toFailing, toAlerts, failed, alerted, eventId } = await oldEventActedOnTwice();
    // The action to `failing` was held (paused target) and ran, failing, 10 days ago.
    await sql`update integration_runs set status = 'failed', error_code = 'upstream_unavailable', started_at = now() - interval '10 days', finished_at = now() - interval '10 days' where id = ${failed.id}`.execute(test.hub.db);
    // Both targets have newer outcomes since, so neither old run is its integration's latest.
    for (const [integrationId, status] of [[failing.id, 'failed'], [alerts.id, 'succeeded']] as const) {
      await sql`insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, idempotency_key, status, queued_at, started_at, finished_at)
        values (${tenant.id}, ${integrationId}, 'poll', 'items', 'schedule', ${`later-${randomUUID()}`}, ${status}, now() - interval '1 day', now() - interval '1 day', now() - interval '1 day')`.execute(test.hub.db);
    }

    await removeOldHistory(test.hub);

    // The event is kept (its failed action can still be replayed) ...
    expect(await test.hub.db.selectFrom('integration_events').select('id').where('id', '=', eventId).executeTakeFirst()).toBeDefined();
    // ... and so is the run of its succeeded action.
    expect(await runsOf(toAlerts)).toEqual([{ id: alerted.id, status: 'succeeded', event_id: eventId }]);
  });
});
