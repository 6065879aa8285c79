import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { POLL_QUEUE, pollScheduleId } from '../scheduler/schedule.service.ts';
import type { HubContext } from './hub-context.ts';
import { restoreSchedules } from './schedule-keeper.ts';

// The schedule keeper polls a cron match late when it made no run: one that fell while its schedule
// was missing, or whose fire failed. Whether a match has come is a question for the database's
// clock: a worker whose own clock ran two minutes ahead once took a match still to come for one
// missed, and polled it early; the match's own fire then found its run made, and did nothing.

const TWO_MINUTES_MS = 2 * 60_000;

describe.each(RUNTIME_MODES)('the schedule keeper of a worker whose clock is ahead, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    // No workers: a late poll stays in the queue, and no fire makes a run. A short lease and a long
    // reconcile interval make the keeper look at the match below either way.
    test = await startTestHub({
      label: 'keeper_skew', ...options, connectors: [...connectors, testkit], workers: false,
      env: { HUB_RUN_LEASE_SECONDS: '10', HUB_RECONCILE_INTERVAL_SECONDS: '60' },
    });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('polls no cron match that has not come yet, for a schedule put back or one kept', async () => {
    // Once a day, at a minute 30 to 90 s from now.
    const match = new Date(Math.ceil((Date.now() + 30_000) / 60_000) * 60_000);
    const daily = { schedules: { items: { cron: `${match.getUTCMinutes()} ${match.getUTCHours()} * * *` } } };
    await createTestkitIntegration(test, tenant, `kept-${randomUUID()}`, daily);
    const lost = await createTestkitIntegration(test, tenant, `lost-${randomUUID()}`, daily);
    await test.hub.queue.removeSchedule(POLL_QUEUE, pollScheduleId(lost.id, 'items'));
    const polls = await test.hub.queue.counts(POLL_QUEUE);

    const ahead: HubContext = { ...test.hub, clock: () => new Date(Date.now() + TWO_MINUTES_MS) };
    const restored = await restoreSchedules(ahead);

    expect({ integrations: restored.integrations, missedCronMatches: restored.missedCronMatches }).toEqual({ integrations: 1, missedCronMatches: 0 });
    expect((await test.hub.queue.counts(POLL_QUEUE)).waiting).toBe(polls.waiting);
  });
});
