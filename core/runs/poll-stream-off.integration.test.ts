import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { POLL_QUEUE } from '../scheduler/schedule.service.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';

// Switching a stream's schedule off removes the schedule, but BullMQ removes only its delayed job:
// a fire already due and waiting for a worker stays in the wait list and runs later. It must find
// that the stream no longer wants a schedule, not only that the integration is on.

const hubs: TestHub[] = [];
afterAll(async () => {
  for (const hub of hubs.reverse()) await hub.close();
});

describe('a stream switched off while its fire waits for a worker (BullMQ)', { timeout: 60_000 }, () => {
  it('is not polled by that fire', async () => {
    // An API-only process: the schedule's first fire is due at once and waits, no worker takes it.
    const api = await startTestHub({ label: 'stream-off-api', queue: 'bullmq', connectors: [...connectors, testkit] });
    hubs.push(api);
    const tenant = await api.createTenant('acme');
    const dataset = `stream-off-${randomUUID()}`;
    const integration = await createTestkitIntegration(api, tenant, dataset, { schedules: { items: { everySeconds: 3600 } } });
    expect((await api.hub.queue.counts(POLL_QUEUE)).waiting).toBe(1);

    const off = await api.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { schedules: { items: { enabled: false } } } });
    expect(off.status).toBe(200);
    expect(await api.hub.queue.listSchedules(POLL_QUEUE)).toEqual([]);

    const worker = await startTestHub({ label: 'stream-off-worker', queue: 'bullmq', connectors: [...connectors, testkit], workers: true, shareDatabaseOf: api });
    hubs.push(worker);
    // The waiting fire is taken and done with.
    for (let tries = 0; tries < 100 && (await api.hub.queue.counts(POLL_QUEUE)).waiting > 0; tries += 1) await sleep(50);
    await sleep(500);
    expect(await api.hub.db.selectFrom('integration_runs').select(['trigger', 'status']).where('integration_id', '=', integration.id).execute()).toEqual([]);
    expect(testkitUpstream(dataset).polls).toBe(0);
  });
});
