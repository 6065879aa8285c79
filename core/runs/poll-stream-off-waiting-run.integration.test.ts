import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { runScheduledPoll } from './run.worker.ts';

// A fire of a stream's schedule may already be a queued run when the schedule is switched off: it
// waits behind a long run of the stream (trying its claim again every few seconds), or for the
// retry of a transient failure. Removing the schedule does not touch that run, so the worker that
// claims it must see that the stream no longer wants its schedule and cancel it, saying why,
// instead of polling the stream the admin switched off (README: "A stream whose schedule is
// switched off is not polled by a fire that was already waiting for a worker").

describe.each(RUNTIME_MODES)('a scheduled run waiting while its stream is switched off on $name', ({ name, options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'offwait', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  // A cron schedule that does not fire during the test: its fires are made by hand below.
  const yearly = { schedules: { items: { cron: '0 0 1 1 *' } } };
  const hourly = (integrationId: string) => ({ integrationId, stream: 'items', everyMs: 3_600_000 });
  const scheduledRuns = (integrationId: string) =>
    test.hub.db.selectFrom('integration_runs').selectAll().where('integration_id', '=', integrationId).where('trigger', '=', 'schedule').execute();
  const switchOff = async (integrationId: string) => {
    const off = await test.request('patch', `/api/integrations/${integrationId}`, { token: tenant.tokens.admin, body: { schedules: { items: { enabled: false } } } });
    expect(off.status).toBe(200);
  };
  const finished = (integrationId: string) =>
    waitFor('the scheduled run to finish', async () => {
      const [run] = await scheduledRuns(integrationId);
      return run && !['queued', 'running'].includes(run.status) ? run : undefined;
    });

  it('cancels the run that waited behind a long run of the stream, without polling', async () => {
    const dataset = `off-behind-${name}-${Math.random()}`;
    const upstream = testkitUpstream(dataset);
    upstream.records.set('w1', { n: 1 });
    const integration = await createTestkitIntegration(test, tenant, dataset, yearly);
    const now = new Date();
    const long = await test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'full',
        idempotency_key: `${integration.id}:items:long`, status: 'running', started_at: now, heartbeat_at: now, attempts: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await runScheduledPoll(test.hub, hourly(integration.id), new Date('2030-01-01T10:00:01Z'));
    expect((await scheduledRuns(integration.id)).map((run) => run.status)).toEqual(['queued']);

    await switchOff(integration.id);
    await test.hub.db.updateTable('integration_runs').set({ status: 'succeeded', finished_at: new Date() }).where('id', '=', long.id).execute();
    const run = await finished(integration.id);
    expect(run).toMatchObject({ status: 'cancelled', pages: 0, records_seen: 0, error_code: null, error_message: 'the schedule of stream items was switched off' });
    expect(upstream.polls).toBe(0);
  });

  it('cancels the run that waited for its retry, without polling again', async () => {
    const dataset = `off-retry-${name}-${Math.random()}`;
    const upstream = testkitUpstream(dataset);
    upstream.records.set('r1', { n: 1 });
    // Time enough for the switch below to land before the retry is due, on a busy machine too.
    upstream.failures.push({ code: 'network_error', retryAfterMs: 3_000, afterPages: 0 });
    const integration = await createTestkitIntegration(test, tenant, dataset, yearly);
    await runScheduledPoll(test.hub, hourly(integration.id), new Date('2030-01-01T10:00:01Z'));
    expect((await scheduledRuns(integration.id)).map((run) => [run.status, run.error_code])).toEqual([['queued', 'network_error']]);
    expect(upstream.polls).toBe(1);

    await switchOff(integration.id);
    // Still waiting for its retry when the switch landed.
    expect((await scheduledRuns(integration.id)).map((run) => run.status)).toEqual(['queued']);
    const run = await finished(integration.id);
    expect(run).toMatchObject({ status: 'cancelled', records_seen: 0, error_code: null, error_message: 'the schedule of stream items was switched off' });
    expect(upstream.polls).toBe(1);
  });
});
