import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { POLL_QUEUE, pollScheduleId } from '../scheduler/schedule.service.ts';
import { scheduledRunKey } from '../scheduler/schedule.window.ts';
import { restoreSchedules } from './schedule-keeper.ts';

// An embedded hub's queue starts empty: its cron schedules are made anew and wait for their next
// match, so a match that fell while the hub was down would be skipped (a daily poll a day late).
// Production's BullMQ runs a missed match once, late; a schedule put back does the same.

const DAY_MS = 86_400_000;
const hubs: TestHub[] = [];
afterAll(async () => {
  for (const hub of hubs.reverse()) await hub.close();
});

describe('an embedded restart after a missed cron match', { timeout: 60_000 }, () => {
  it('polls the missed match once, unless the integration changed after it', async () => {
    const first = await startTestHub({ label: 'cron-missed', queue: 'memory', connectors: [...connectors, testkit], workers: true });
    hubs.push(first);
    const tenant = await first.createTenant('acme');
    const midnight = { schedules: { items: { cron: '0 0 * * *' } } };
    const missed = await createTestkitIntegration(first, tenant, `cron-${randomUUID()}`, midnight);
    // Switched on (here: changed) after the match: a cron schedule switched on waits for its next match.
    const changedSince = await createTestkitIntegration(first, tenant, `cron-${randomUUID()}`, midnight);
    const lastMidnight = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
    const dayBefore = new Date(lastMidnight.getTime() - DAY_MS);
    const since = (integrationId: string, changedAt: Date) =>
      first.hub.db.updateTable('integration_configs').set({ updated_at: changedAt }).where('id', '=', integrationId).execute();
    await since(missed.id, new Date(lastMidnight.getTime() - 3 * DAY_MS));
    await since(changedSince.id, new Date(lastMidnight.getTime() + 1));
    // Both polled by their schedule the midnight before.
    for (const integration of [missed, changedSince]) {
      await first.hub.db
        .insertInto('integration_runs')
        .values({
          tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'schedule', mode: 'incremental',
          idempotency_key: scheduledRunKey(integration.id, 'items', dayBefore), window_start: dayBefore, status: 'succeeded',
          queued_at: dayBefore, started_at: dayBefore, finished_at: dayBefore, attempts: 1,
        })
        .execute();
    }

    // Down over last midnight; an embedded hub starts again on the same database.
    await first.hub.queue.close(1_000);
    const second = await startTestHub({ label: 'cron-missed-2', queue: 'memory', connectors: [...connectors, testkit], workers: true, shareDatabaseOf: first });
    hubs.push(second);

    const windows = async (integrationId: string) =>
      (await second.hub.db.selectFrom('integration_runs').select('window_start').where('integration_id', '=', integrationId).where('trigger', '=', 'schedule').execute())
        .map((run) => run.window_start?.toISOString())
        .sort();
    await waitFor('the missed match to be polled', async () => ((await windows(missed.id)).length >= 2 ? true : undefined), 10_000);
    await sleep(500);
    expect(await windows(missed.id)).toEqual([dayBefore.toISOString(), lastMidnight.toISOString()]);
    expect(await windows(changedSince.id)).toEqual([dayBefore.toISOString()]);
  });

  it('polls a per-minute schedule once after downtime, not its latest match and the one before', async () => {
    // Workers off: the late polls stay in the queue, where they are counted.
    const test = await startTestHub({ label: 'cron-missed-minutely', queue: 'memory', connectors: [...connectors, testkit] });
    hubs.push(test);
    const tenant = await test.createTenant('acme');
    const integration = await createTestkitIntegration(test, tenant, `cron-${randomUUID()}`, { schedules: { items: { cron: '* * * * *' } } });
    // The hub was down for ten minutes and starts 5 s after a match: its queue lost the schedule.
    await test.hub.queue.removeSchedule(POLL_QUEUE, pollScheduleId(integration.id, 'items'));
    const restart = Math.ceil(Date.now() / 60_000) * 60_000 + 10 * 60_000 + 5_000;
    expect((await restoreSchedules(test.hub, new Date(restart))).missedCronMatches).toBe(1);
    // The next reconcile passes look a run lease back for fires that failed: the matches they find
    // fell while the schedule was missing, and the put-back's late poll stood for them.
    for (const later of [15_000, 30_000, 45_000]) {
      expect((await restoreSchedules(test.hub, new Date(restart + later))).missedCronMatches, `late polls of the pass ${later / 1000} s after the start`).toBe(0);
    }
  });
});
