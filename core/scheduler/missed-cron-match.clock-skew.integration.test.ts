import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import type { Schedule } from '../queue/queue.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { databaseTime } from '../timing/database-time.ts';
import { pollMissedCronMatch } from './missed-cron-match.ts';
import { POLL_QUEUE, pollScheduleId, type ScheduledPoll } from './schedule.service.ts';

// Whether a cron match has come is asked at the time its caller gives (the database's, for the
// schedule keeper), not the asking process's own: one two minutes ahead polled a match still to come.

const TWO_MINUTES_MS = 2 * 60_000;

describe.each(RUNTIME_MODES)('a missed cron match asked about by a process whose clock is ahead, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    // No workers: a late poll stays in the queue, to be counted.
    test = await startTestHub({ label: 'missed_cron_skew', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('polls no match that has not come by the time it is given', async () => {
    const now = await databaseTime(test.hub.db);
    // Once a day, at a minute 30 to 90 s from now.
    const match = new Date(Math.ceil((now.getTime() + 30_000) / 60_000) * 60_000);
    const integration = await createTestkitIntegration(test, tenant, `missed-skew-${randomUUID()}`);
    const schedule: Schedule<ScheduledPoll> = {
      id: pollScheduleId(integration.id, 'items'),
      name: 'poll',
      cron: `${match.getUTCMinutes()} ${match.getUTCHours()} * * *`,
      tz: 'UTC',
      data: { integrationId: integration.id, stream: 'items' },
    };
    const polls = await test.hub.queue.counts(POLL_QUEUE);

    const ahead: HubContext = { ...test.hub, clock: () => new Date(Date.now() + TWO_MINUTES_MS) };
    // Changed a minute ago: yesterday's match is before that.
    expect(await pollMissedCronMatch(ahead, schedule, new Date(now.getTime() - 60_000), now)).toBe(false);
    expect((await test.hub.queue.counts(POLL_QUEUE)).waiting).toBe(polls.waiting);
  });
});
