import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { POLL_QUEUE } from './schedule.service.ts';

// An integration and its schedules change together. When the queue refuses a schedule, the
// request fails without leaving a saved row behind (create) or a committed change whose schedules
// never followed (update, pause).

describe.each(RUNTIME_MODES)('integration writes and their schedules on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'schedule-write', connectors: [...connectors, testkit], ...options });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  /** Makes the queue refuse every schedule until the returned function is called. */
  function refuseSchedules(): () => void {
    const upsert = test.hub.queue.upsertSchedule;
    test.hub.queue.upsertSchedule = async () => {
      throw new Error('queue refused the schedule');
    };
    return () => {
      test.hub.queue.upsertSchedule = upsert;
    };
  }

  const scheduleOf = async (id: string) => (await test.hub.queue.listSchedules(POLL_QUEUE)).filter((schedule) => schedule.id.includes(id)).map(({ every, cron }) => ({ every, cron }));

  const body = (name: string) => ({
    connector: 'testkit', name, config: { dataset: name },
    credentials: { auth: { type: 'bearer', token: 'kit-token-123456' } },
    schedules: { items: { cron: '0 0 * * 5L', tz: 'Europe/Berlin' } },
  });

  it('takes a created row back when its schedule cannot be made, so a retry is not a 409', async () => {
    const restore = refuseSchedules();
    const refused = await test.request('post', '/api/integrations', { token: tenant.tokens.admin, body: body('refused') });
    restore();
    expect(refused.status).toBe(500);
    expect(await test.hub.db.selectFrom('integration_configs').select('id').where('name', '=', 'refused').execute()).toEqual([]);

    const retried = await test.request('post', '/api/integrations', { token: tenant.tokens.admin, body: body('refused') });
    expect(retried.status).toBe(201);
    expect(await scheduleOf((await retried.json()).id)).toEqual([{ every: undefined, cron: '0 0 * * 5L' }]);
  });

  it('rolls an update back when its schedule cannot be made', async () => {
    const kit = await createTestkitIntegration(test, tenant, 'update-refused', { schedules: { items: { everySeconds: 600 } } });
    const restore = refuseSchedules();
    const refused = await test.request('patch', `/api/integrations/${kit.id}`, {
      token: tenant.tokens.admin,
      body: { name: 'renamed', schedules: { items: { cron: '*/5 * * * *', tz: 'UTC' } } },
    });
    restore();
    expect(refused.status).toBe(500);
    const stored = await (await test.request('get', `/api/integrations/${kit.id}`, { token: tenant.tokens.viewer })).json();
    expect([stored.name, stored.schedules]).toEqual([kit.name, { items: { everySeconds: 600 } }]);
    expect(await scheduleOf(kit.id)).toEqual([{ every: 600_000, cron: undefined }]);
  });

  it('keeps the next scheduled poll where it was when an integration is renamed', async () => {
    const kit = await createTestkitIntegration(test, tenant, 'rename-keeps-slot', { schedules: { items: { everySeconds: 3600 } } });
    const nextRun = async () => (await test.hub.queue.listSchedules(POLL_QUEUE)).find((schedule) => schedule.id.includes(kit.id))?.nextRunAt?.getTime();
    const before = await nextRun();
    expect(before).toEqual(expect.any(Number));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const renamed = await test.request('patch', `/api/integrations/${kit.id}`, { token: tenant.tokens.admin, body: { name: 'rename-keeps-slot-2' } });
    expect(renamed.status).toBe(200);
    expect(await nextRun()).toBe(before);
  });

  it('keeps a cron fire that came due and waits for a worker when the integration is renamed', async () => {
    // No worker runs in this hub: the fire, once due, waits, as it does while workers restart.
    const kit = await createTestkitIntegration(test, tenant, 'rename-keeps-due-fire', { schedules: { items: { cron: '* * * * *' } } });
    // The queue's schedule fires every 2 s rather than at each minute's match, so the test need not
    // wait up to a minute for a fire to come due (the API takes a minute at most).
    const listed = (await test.hub.queue.listSchedules(POLL_QUEUE)).find((schedule) => schedule.id.includes(kit.id))!;
    await test.hub.queue.upsertSchedule(POLL_QUEUE, { id: listed.id, name: 'poll', cron: '*/2 * * * * *', data: { integrationId: kit.id, stream: 'items' } });
    const nextRun = async () => (await test.hub.queue.listSchedules(POLL_QUEUE)).find((schedule) => schedule.id.includes(kit.id))?.nextRunAt?.getTime();
    const due = await nextRun();
    expect(due).toEqual(expect.any(Number));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due! - Date.now()) + 1_000));
    const renamed = await test.request('patch', `/api/integrations/${kit.id}`, { token: tenant.tokens.admin, body: { name: 'rename-keeps-due-fire-2', credentials: { auth: { type: 'bearer', token: 'kit-token-654321' } } } });
    expect(renamed.status).toBe(200);
    // Still the fire that came due, not the next match: a worker coming now polls it.
    expect(await nextRun()).toBe(due);
  });

  it('keeps a paused integration paused when its schedules cannot be put back on resume', async () => {
    const kit = await createTestkitIntegration(test, tenant, 'pause-refused', { schedules: { items: { everySeconds: 600 } } });
    expect((await test.request('post', `/api/integrations/${kit.id}/pause`, { token: tenant.tokens.operator })).status).toBe(200);
    const restore = refuseSchedules();
    const refused = await test.request('post', `/api/integrations/${kit.id}/resume`, { token: tenant.tokens.operator });
    restore();
    expect(refused.status).toBe(500);
    const stored = await (await test.request('get', `/api/integrations/${kit.id}`, { token: tenant.tokens.viewer })).json();
    expect(stored.paused).toBe(true);
    expect(await scheduleOf(kit.id)).toEqual([]);
  });
});
