import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUN_QUEUE } from '../runs/run.jobs.ts';
import { jobRegistrations } from '../server/hub-services.ts';
import { startWorkers } from '../server/job-handlers.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { POLL_QUEUE } from './schedule.service.ts';

// A pause removes the schedule with the fire that came due and waits for a worker (all busy, or
// restarting): after the resume, the resume's own poll is the only one. BullMQ removes a schedule's
// next job only while it is delayed, so one already waiting had to be removed by the hub.

describe.each(RUNTIME_MODES)('a fire waiting for a worker when the integration is paused, on $name', { timeout: 90_000 }, ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    // No worker yet: fires wait.
    test = await startTestHub({ label: 'pause-waiting-fire', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('is not polled after the resume beside the resume\'s own poll', async () => {
    const integration = await createTestkitIntegration(test, tenant, `pause-waiting-${randomUUID()}`, { schedules: { items: { everySeconds: 3600 } } });
    // A new interval schedule's first fire is due at once.
    await waitFor('the first fire to wait for a worker', async () => ((await test.hub.queue.counts(POLL_QUEUE)).waiting >= 1 ? true : undefined));

    expect((await test.request('post', `/api/integrations/${integration.id}/pause`, { token: tenant.tokens.operator })).status).toBe(200);
    expect((await test.request('post', `/api/integrations/${integration.id}/resume`, { token: tenant.tokens.operator })).status).toBe(200);

    startWorkers(test.hub, jobRegistrations(test.hub));
    const runs = await waitFor('every poll to settle', async () => {
      const polls = await test.hub.queue.counts(POLL_QUEUE);
      const runJobs = await test.hub.queue.counts(RUN_QUEUE);
      const rows = await test.hub.db.selectFrom('integration_runs').select(['status', 'window_start', 'trigger']).where('integration_id', '=', integration.id).execute();
      const settled = rows.length > 0 && rows.every((row) => ['succeeded', 'failed', 'cancelled'].includes(row.status));
      return polls.waiting + polls.active + runJobs.waiting + runJobs.active + runJobs.delayed === 0 && settled ? rows : undefined;
    }, 60_000);
    expect(runs.map((run) => `${run.trigger} ${run.status}`)).toEqual(['schedule succeeded']);
  });
});
