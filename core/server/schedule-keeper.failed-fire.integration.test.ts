import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { restoreSchedules } from './schedule-keeper.ts';

// A cron fire is one job of one attempt: one that fails before it makes its run (the database away
// at that moment) leaves its window unpolled while the schedule goes on to its next match, a day or
// a month later. The keeper, finding the schedule in place, polls that latest match once, late.

// Every minute: the keeper looks only at matches that came due since about its last pass.
const EVERY_MINUTE = '* * * * *';

describe.each(RUNTIME_MODES)('a cron fire that made no run, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    // A pass a minute (the keeper of this hub too): the match a lease back is always within its reach.
    test = await startTestHub({ label: 'keeper_failed_fire', ...options, connectors: [...connectors, testkit], workers: true, env: { HUB_RECONCILE_INTERVAL_SECONDS: '60' } });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const windows = async (integrationId: string) =>
    (await test.hub.db.selectFrom('integration_runs').select('window_start').where('integration_id', '=', integrationId).where('trigger', '=', 'schedule').execute())
      .map((run) => run.window_start?.toISOString());

  it('is polled once, late, by the keeper', async () => {
    const integration = await createTestkitIntegration(test, tenant, `failed-fire-${randomUUID()}`, { schedules: { items: { cron: EVERY_MINUTE } } });
    // Configured days ago, so its latest match fell since; no run was made for it.
    await test.hub.db.updateTable('integration_configs').set({ updated_at: new Date(Date.now() - 3 * 86_400_000) }).where('id', '=', integration.id).execute();
    // The latest match at least a run lease ago (the keeper leaves a fire its own time).
    const matchedBy = new Date(Date.now() - test.hub.config.HUB_RUN_LEASE_SECONDS * 1000);
    const match = new Cron(EVERY_MINUTE, { timezone: 'UTC', paused: true }).previousRuns(1, matchedBy)[0]!;

    // This pass, or the hub's own keeper if it came first.
    expect((await restoreSchedules(test.hub)).missedCronMatches).toBeLessThanOrEqual(1);
    const polled = async () => (await windows(integration.id)).filter((window) => window === match.toISOString()).length;
    await waitFor('the late poll of the match', polled);
    // Polled now: a second pass does not poll it again. (The schedule's own fires poll later minutes.)
    await restoreSchedules(test.hub);
    expect(await polled()).toBe(1);
  });

  /** The windows at or before the keeper's reach: the schedule's own fires poll later minutes. */
  const windowsReached = async (integrationId: string) => {
    const matchedBy = Date.now() - test.hub.config.HUB_RUN_LEASE_SECONDS * 1000;
    return (await windows(integrationId)).filter((window) => window !== undefined && Date.parse(window) <= matchedBy);
  };

  it('is left alone when the integration changed after the match', async () => {
    const integration = await createTestkitIntegration(test, tenant, `changed-${randomUUID()}`, { schedules: { items: { cron: EVERY_MINUTE } } });
    await restoreSchedules(test.hub);
    expect(await windowsReached(integration.id)).toEqual([]);
  });

  it('is left alone when its fire was skipped behind a scheduled run of the stream still waiting then', async () => {
    const integration = await createTestkitIntegration(test, tenant, `skipped-${randomUUID()}`, { schedules: { items: { cron: EVERY_MINUTE } } });
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    await test.hub.db.updateTable('integration_configs').set({ updated_at: threeDaysAgo }).where('id', '=', integration.id).execute();
    // Queued a day ago and still waiting: every fire since was skipped on purpose.
    const dayAgo = new Date(Date.now() - 86_400_000);
    await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'schedule', mode: 'incremental',
        idempotency_key: `waiting-${integration.id}`, window_start: dayAgo, status: 'succeeded', queued_at: dayAgo, started_at: new Date(), finished_at: new Date(), attempts: 1,
      })
      .execute();
    // Every other integration here has had its make-up poll, or changed since its match.
    expect((await restoreSchedules(test.hub)).missedCronMatches).toBe(0);
  });
});
