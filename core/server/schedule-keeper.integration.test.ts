import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { testkitStreams } from '../../test-support/testkit-streams-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { POLL_QUEUE, pollScheduleId } from '../scheduler/schedule.service.ts';
import { MAINTENANCE_QUEUE } from './maintenance.ts';
import { restoreSchedules } from './schedule-keeper.ts';

// Schedules live in the queue, integrations in the database: a restarted embedded hub (its queue
// is in memory) or a flushed Redis must not leave integrations that are never polled again.

const MAINTENANCE_IDS = ['reconcile', 'health-rollup', 'credential-expiry', 'task-alerts', 'previous-credentials', 'sign-in-records', 'history-retention'];
const hubs: TestHub[] = [];
afterAll(async () => {
  for (const hub of hubs.reverse()) await hub.close();
});

async function scheduleIds(test: TestHub, queue: string): Promise<string[]> {
  return (await test.hub.queue.listSchedules(queue)).map((schedule) => schedule.id).sort();
}

describe('schedules restored from the database', { timeout: 60_000 }, () => {
  it('a process that starts on an empty in-process queue schedules every active integration again', async () => {
    const first = await startTestHub({ label: 'keeper-mem', queue: 'memory', connectors: [...connectors, testkit], workers: true });
    hubs.push(first);
    const tenant = await first.createTenant('acme');
    const hourly = { schedules: { items: { everySeconds: 3600 } } };
    const active = await createTestkitIntegration(first, tenant, `keeper-${randomUUID()}`, hourly);
    const paused = await createTestkitIntegration(first, tenant, `keeper-${randomUUID()}`, hourly);
    const off = await createTestkitIntegration(first, tenant, `keeper-${randomUUID()}`);
    expect((await first.request('post', `/api/integrations/${paused.id}/pause`, { token: tenant.tokens.operator })).status).toBe(200);
    expect(await scheduleIds(first, POLL_QUEUE)).toEqual([pollScheduleId(active.id, 'items')]);

    // The restart: the old process's queue is gone, a new one starts on the same database.
    await first.hub.queue.close(1_000);
    const second = await startTestHub({ label: 'keeper-mem-2', queue: 'memory', connectors: [...connectors, testkit], workers: true, shareDatabaseOf: first });
    hubs.push(second);
    expect(await scheduleIds(second, POLL_QUEUE)).toEqual([pollScheduleId(active.id, 'items')]);
    expect(await scheduleIds(second, MAINTENANCE_QUEUE)).toEqual([...MAINTENANCE_IDS].sort());
    expect(off.id).not.toBe(active.id);

    // Nothing missing: a second pass changes nothing.
    expect(await restoreSchedules(second.hub)).toEqual({ integrations: 0, removed: 0, missedCronMatches: 0, maintenance: false });
  });

  it('rewrites a schedule that fires otherwise than its integration says', async () => {
    const test = await startTestHub({ label: 'keeper-differs', queue: 'memory', connectors: [...connectors, testkit] });
    hubs.push(test);
    const tenant = await test.createTenant('acme');
    const hourly = await createTestkitIntegration(test, tenant, `keeper-${randomUUID()}`, { schedules: { items: { everySeconds: 3600 } } });
    const nineInParis = await createTestkitIntegration(test, tenant, `keeper-${randomUUID()}`, { schedules: { items: { cron: '0 9 * * *', tz: 'Europe/Paris' } } });
    // What a process killed between writing the queue and committing its row leaves behind.
    await test.hub.queue.upsertSchedule(POLL_QUEUE, { id: pollScheduleId(hourly.id, 'items'), name: 'poll', every: 10_000, data: { integrationId: hourly.id, stream: 'items', everyMs: 10_000 } });
    await test.hub.queue.upsertSchedule(POLL_QUEUE, { id: pollScheduleId(nineInParis.id, 'items'), name: 'poll', cron: '0 9 * * *', data: { integrationId: nineInParis.id, stream: 'items' } });

    expect(await restoreSchedules(test.hub)).toMatchObject({ integrations: 2 });
    const listed = new Map((await test.hub.queue.listSchedules(POLL_QUEUE)).map((schedule) => [schedule.id, schedule]));
    expect(listed.get(pollScheduleId(hourly.id, 'items'))).toMatchObject({ every: 3_600_000 });
    expect(listed.get(pollScheduleId(nineInParis.id, 'items'))).toMatchObject({ cron: '0 9 * * *', tz: 'Europe/Paris' });
    expect(await restoreSchedules(test.hub)).toMatchObject({ integrations: 0 });
  });

  it('a worker puts back what a flushed Redis lost and drops schedules of integrations that are gone', async () => {
    const test = await startTestHub({
      label: 'keeper-bullmq',
      queue: 'bullmq',
      connectors: [...connectors, testkit],
      workers: true,
      env: { HUB_RECONCILE_INTERVAL_SECONDS: '1' },
    });
    hubs.push(test);
    const tenant = await test.createTenant('acme');
    const integration = await createTestkitIntegration(test, tenant, `keeper-${randomUUID()}`, { schedules: { items: { everySeconds: 3600 } } });
    const wanted = pollScheduleId(integration.id, 'items');
    expect(await scheduleIds(test, POLL_QUEUE)).toEqual([wanted]);
    // A schedule saved before the API checked time zones: BullMQ refuses it, the others go on.
    const refused = await createTestkitIntegration(test, tenant, `keeper-${randomUUID()}`);
    await test.hub.db.updateTable('integration_configs').set({ schedules: JSON.stringify({ items: { cron: '0 * * * *', tz: 'Mars/Olympus' } }) }).where('id', '=', refused.id).execute();

    // What a flush leaves: no schedules at all, and one left over from an integration deleted
    // while the queue could not be told.
    for (const id of MAINTENANCE_IDS) await test.hub.queue.removeSchedule(MAINTENANCE_QUEUE, id);
    await test.hub.queue.removeSchedule(POLL_QUEUE, wanted);
    const orphan = pollScheduleId(randomUUID(), 'items');
    await test.hub.queue.upsertSchedule(POLL_QUEUE, { id: orphan, name: 'poll', every: 3_600_000, data: {} });

    // No call from the test: the worker's own pass, every reconcile interval, repairs it.
    await waitFor('the schedules to be restored', async () => {
      const polls = await scheduleIds(test, POLL_QUEUE);
      const maintenance = await scheduleIds(test, MAINTENANCE_QUEUE);
      return polls.length === 1 && polls[0] === wanted && maintenance.length === MAINTENANCE_IDS.length ? true : undefined;
    });
    expect(await scheduleIds(test, MAINTENANCE_QUEUE)).toEqual([...MAINTENANCE_IDS].sort());
  });

  it('leaves alone the schedules of a connector the process does not offer (a newer version\'s, in a rolling upgrade)', async () => {
    const newer = await startTestHub({ label: 'keeper-newer', queue: 'bullmq', connectors: [...connectors, testkit] });
    hubs.push(newer);
    const older = await startTestHub({ label: 'keeper-older', queue: 'bullmq', connectors, shareDatabaseOf: newer });
    hubs.push(older);
    const tenant = await newer.createTenant('acme');
    const integration = await createTestkitIntegration(newer, tenant, `keeper-${randomUUID()}`, { schedules: { items: { everySeconds: 3600 } } });
    const orphan = pollScheduleId(randomUUID(), 'items');
    await newer.hub.queue.upsertSchedule(POLL_QUEUE, { id: orphan, name: 'poll', every: 3_600_000, data: {} });

    expect(await restoreSchedules(older.hub)).toMatchObject({ removed: 1 });
    expect(await scheduleIds(newer, POLL_QUEUE)).toEqual([pollScheduleId(integration.id, 'items')]);
  });

  it('leaves alone the schedule of a stream only a newer version offers, while its integration wants it', async () => {
    // The newer version's connector has streams alpha and beta; the older one's only alpha.
    const olderConnector = { ...testkitStreams, streams: { alpha: testkitStreams.streams['alpha']! } };
    const newer = await startTestHub({ label: 'keeper-newer-stream', queue: 'bullmq', connectors: [...connectors, testkitStreams] });
    hubs.push(newer);
    const older = await startTestHub({ label: 'keeper-older-stream', queue: 'bullmq', connectors: [...connectors, olderConnector], shareDatabaseOf: newer });
    hubs.push(older);
    const tenant = await newer.createTenant('acme');
    const created = await newer.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'testkit_streams', name: `keeper-${randomUUID()}`, config: { dataset: `keeper-${randomUUID()}` },
        credentials: { auth: { type: 'bearer', token: 'kit-token-123456' } },
        schedules: { alpha: { everySeconds: 3600 }, beta: { everySeconds: 3600 } },
      },
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const both = [pollScheduleId(id, 'alpha'), pollScheduleId(id, 'beta')].sort();
    expect(await scheduleIds(newer, POLL_QUEUE)).toEqual(both);

    expect(await restoreSchedules(older.hub)).toMatchObject({ removed: 0, integrations: 0 });
    expect(await scheduleIds(newer, POLL_QUEUE)).toEqual(both);

    // Once the integration no longer wants it (paused), the older process removes it too.
    await newer.hub.db.updateTable('integration_configs').set({ paused_at: new Date() }).where('id', '=', id).execute();
    expect(await restoreSchedules(older.hub)).toMatchObject({ removed: 2 });
    expect(await scheduleIds(newer, POLL_QUEUE)).toEqual([]);
  });

  it('puts back a missing schedule without rewriting the integration\'s others (a cron fire waiting for a worker stays)', async () => {
    const test = await startTestHub({ label: 'keeper-one-of-two', queue: 'bullmq', connectors: [...connectors, testkitStreams] });
    hubs.push(test);
    const tenant = await test.createTenant('acme');
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'testkit_streams', name: `keeper-${randomUUID()}`, config: { dataset: `keeper-${randomUUID()}` },
        credentials: { auth: { type: 'bearer', token: 'kit-token-123456' } },
        schedules: { alpha: { everySeconds: 3600 }, beta: { cron: '* * * * *' } },
      },
    });
    const { id } = await created.json();
    // beta's queue schedule fires every 2 s (not to wait for a minute's match); no worker runs, so its fire waits.
    await test.hub.queue.upsertSchedule(POLL_QUEUE, { id: pollScheduleId(id, 'beta'), name: 'poll', cron: '*/2 * * * * *', data: { integrationId: id, stream: 'beta' } });
    const nextBeta = async () => (await test.hub.queue.listSchedules(POLL_QUEUE)).find((schedule) => schedule.id === pollScheduleId(id, 'beta'))?.nextRunAt?.getTime();
    const due = await nextBeta();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due! - Date.now()) + 1_000));
    // The row says what the queue does for beta (so it fires as wanted); Redis lost alpha's schedule.
    await test.hub.db.updateTable('integration_configs').set({ schedules: JSON.stringify({ alpha: { everySeconds: 3600 }, beta: { cron: '*/2 * * * * *' } }) }).where('id', '=', id).execute();
    await test.hub.queue.removeSchedule(POLL_QUEUE, pollScheduleId(id, 'alpha'));

    expect(await restoreSchedules(test.hub)).toMatchObject({ integrations: 1 });
    expect(await scheduleIds(test, POLL_QUEUE)).toEqual([pollScheduleId(id, 'alpha'), pollScheduleId(id, 'beta')].sort());
    expect(await nextBeta()).toBe(due);
  });

  // PostgreSQL only: the admin's change must commit while the pass holds another row's lock, and an
  // embedded hub's one connection would make the two take turns instead.
  it('repairs from the row as it is when it writes, not as the pass read it', async () => {
    const test = await startTestHub({ label: 'keeper-stale', queue: 'bullmq', connectors: [...connectors, testkit] });
    hubs.push(test);
    const tenant = await test.createTenant('acme');
    const integrations = [
      await createTestkitIntegration(test, tenant, `keeper-${randomUUID()}`, { schedules: { items: { everySeconds: 3600 } } }),
      await createTestkitIntegration(test, tenant, `keeper-${randomUUID()}`, { schedules: { items: { everySeconds: 3600 } } }),
    ];
    // Both lost with a flushed Redis.
    for (const integration of integrations) await test.hub.queue.removeSchedule(POLL_QUEUE, pollScheduleId(integration.id, 'items'));

    // While the pass repairs the first, an admin switches the other's stream off.
    let switchedOff: string | undefined;
    const queue = Object.create(test.hub.queue) as typeof test.hub.queue;
    queue.upsertSchedule = async (name, schedule) => {
      if (switchedOff === undefined) {
        const other = integrations.find((integration) => pollScheduleId(integration.id, 'items') !== schedule.id)!;
        const patched = await test.request('patch', `/api/integrations/${other.id}`, { token: tenant.tokens.admin, body: { schedules: { items: { enabled: false } } } });
        expect(patched.status).toBe(200);
        switchedOff = other.id;
      }
      return test.hub.queue.upsertSchedule(name, schedule);
    };
    await restoreSchedules({ ...test.hub, queue });

    expect(switchedOff).toBeDefined();
    const kept = integrations.find((integration) => integration.id !== switchedOff)!;
    expect(await scheduleIds(test, POLL_QUEUE)).toEqual([pollScheduleId(kept.id, 'items')]);
  });
});
