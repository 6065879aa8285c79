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

const DAILY = '0 0 * * *';

describe.each(RUNTIME_MODES)('a cron fire that made no run, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'keeper_failed_fire', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const windows = async (integrationId: string) =>
    (await test.hub.db.selectFrom('integration_runs').select('window_start').where('integration_id', '=', integrationId).where('trigger', '=', 'schedule').execute())
      .map((run) => run.window_start?.toISOString());

  it('is polled once, late, by the keeper', async () => {
    const integration = await createTestkitIntegration(test, tenant, `failed-fire-${randomUUID()}`, { schedules: { items: { cron: DAILY } } });
    // Configured days ago, so its latest match fell since; no run was made for it.
    await test.hub.db.updateTable('integration_configs').set({ updated_at: new Date(Date.now() - 3 * 86_400_000) }).where('id', '=', integration.id).execute();
    // The latest match at least a run lease ago (the keeper leaves a fire its own time).
    const matchedBy = new Date(Date.now() - test.hub.config.HUB_RUN_LEASE_SECONDS * 1000);
    const match = new Cron(DAILY, { timezone: 'UTC', paused: true }).previousRuns(1, matchedBy)[0]!;

    // This pass, or the hub's own keeper if it came first.
    expect((await restoreSchedules(test.hub)).missedCronMatches).toBeLessThanOrEqual(1);
    await waitFor('the late poll of the match', async () => (await windows(integration.id)).includes(match.toISOString()));
    expect(await windows(integration.id)).toEqual([match.toISOString()]);
    // Polled now: the next pass has nothing to make up.
    expect((await restoreSchedules(test.hub)).missedCronMatches).toBe(0);
  });

  it('is left alone when the integration changed after the match', async () => {
    const integration = await createTestkitIntegration(test, tenant, `changed-${randomUUID()}`, { schedules: { items: { cron: DAILY } } });
    expect((await restoreSchedules(test.hub)).missedCronMatches).toBe(0);
    expect(await windows(integration.id)).toEqual([]);
  });
});
