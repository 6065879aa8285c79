import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { scheduledRunKey, windowStart } from './schedule.window.ts';

// An interval schedule switched on (resumed, enabled) or given a new interval polls at once, as a
// new one does — even when the stream was polled earlier in what an epoch-aligned window of that
// interval would be: such a window would give the new poll the key of the earlier run, and no run.

const DAY_MS = 86_400_000;

describe.each(RUNTIME_MODES)('an interval schedule switched on or changed on $name', { timeout: 60_000 }, ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'switch-on', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const scheduledRuns = (integrationId: string) =>
    test.hub.db.selectFrom('integration_runs').select(['status', 'idempotency_key']).where('integration_id', '=', integrationId).where('trigger', '=', 'schedule').execute();

  /** A daily schedule, polled once by its first fire: every later poll today shares its UTC day. */
  async function polledDaily() {
    const integration = await createTestkitIntegration(test, tenant, `switch-on-${randomUUID()}`, { schedules: { items: { everySeconds: 86_400 } } });
    await waitFor('the first scheduled poll', async () => (await scheduledRuns(integration.id)).some((run) => run.status === 'succeeded'));
    return integration;
  }

  const twoRuns = (integrationId: string) => waitFor('a second scheduled poll', async () => ((await scheduledRuns(integrationId)).length >= 2 ? true : undefined), 10_000);

  it('polls at once on resume, though the stream was polled earlier the same day', async () => {
    const integration = await polledDaily();
    expect((await test.request('post', `/api/integrations/${integration.id}/pause`, { token: tenant.tokens.operator })).status).toBe(200);
    expect((await test.request('post', `/api/integrations/${integration.id}/resume`, { token: tenant.tokens.operator })).status).toBe(200);
    await twoRuns(integration.id);
    // The resume's own poll and the schedule's first fire are one run, not two.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await scheduledRuns(integration.id)).toHaveLength(2);
  });

  it('polls at once when enabled again, though the stream was polled earlier the same day', async () => {
    const integration = await polledDaily();
    const patch = (body: unknown) => test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body });
    expect((await patch({ enabled: false })).status).toBe(200);
    expect((await patch({ enabled: true })).status).toBe(200);
    await twoRuns(integration.id);
  });

  it('polls at once when the interval changes, though a poll was made in the new interval’s epoch window', async () => {
    const integration = await createTestkitIntegration(test, tenant, `switch-on-${randomUUID()}`, { schedules: { items: { everySeconds: 3_600 } } });
    await waitFor('the first scheduled poll', async () => (await scheduledRuns(integration.id)).some((run) => run.status === 'succeeded'));
    // A poll made earlier today, keyed by the day's epoch-aligned window.
    const today = windowStart(new Date(), DAY_MS);
    await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'schedule', mode: 'incremental',
        idempotency_key: scheduledRunKey(integration.id, 'items', today), window_start: today, status: 'succeeded', attempts: 1,
        queued_at: today, started_at: today, finished_at: today,
      })
      .execute();
    const daily = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { schedules: { items: { everySeconds: 86_400 } } } });
    expect(daily.status).toBe(200);
    await waitFor('a poll of the new interval', async () => ((await scheduledRuns(integration.id)).length >= 3 ? true : undefined), 10_000);
  });
});
