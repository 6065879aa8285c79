import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { EVENT_QUEUE } from '../events/event.dispatch.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { reconcile } from './reconciler.ts';
import { RUN_QUEUE } from './run.jobs.ts';

// A queue lost with its jobs (Redis restarted empty, an embedded restart) during a burst leaves
// thousands of committed, pending events and queued runs. One pass once handed the queue the first
// 500 of each, and the rest waited for later passes: 500 per reconcile interval (15 s), about 33 a
// second for a hub that ingests thousands. A pass now hands back the whole backlog, a job per page.

describe.each(RUNTIME_MODES)('reconciling a backlog left by a lost queue, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    // No workers: the jobs the pass adds stay in the queue, to be counted.
    test = await startTestHub({ label: 'reconcile_backlog', ...options, connectors: [...connectors, testkit], workers: false, env: { HUB_RUN_LEASE_SECONDS: '10' } });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('re-dispatches every overdue pending event and queued run in one pass, past the first page', async () => {
    const integration = await createTestkitIntegration(test, tenant, 'backlog');
    await sql`
      insert into integration_events (tenant_id, integration_id, source, type, external_id, payload, payload_hash, dedupe_key, status, received_at)
      select ${tenant.id}::uuid, ${integration.id}::uuid, 'webhook', 'item.updated', 'x' || g, '{}'::jsonb, md5(g::text), 'lost:' || g, 'pending', now() - interval '1 minute'
      from generate_series(1, 1234) g`.execute(test.hub.db);
    await sql`
      insert into integration_runs (tenant_id, integration_id, kind, trigger, action, idempotency_key, status, queued_at)
      select ${tenant.id}::uuid, ${integration.id}::uuid, 'action', 'route', 'record', 'lost-run:' || g, 'queued', now() - interval '1 minute'
      from generate_series(1, 678) g`.execute(test.hub.db);
    const eventJobsBefore = (await test.hub.queue.counts(EVENT_QUEUE)).waiting;
    const runJobsBefore = (await test.hub.queue.counts(RUN_QUEUE)).waiting;

    const report = await reconcile(test.hub);

    expect(report).toMatchObject({ eventsRedispatched: 1234, runsRequeued: 678 });
    expect((await test.hub.queue.counts(EVENT_QUEUE)).waiting - eventJobsBefore).toBe(3);
    expect((await test.hub.queue.counts(RUN_QUEUE)).waiting - runJobsBefore).toBe(678);
  });
});
