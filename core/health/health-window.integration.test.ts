import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { rollUpHealth } from './health-rollup.ts';

// Success rate and p95 "over 24 h" are those of the runs that finished in the last 24 hours, each
// however long after it was queued, as the hourly rows (the admin UI's bars) count them.

const MIN = 60_000;
const HOUR = 60 * MIN;

let test: TestHub;
let tenant: TestTenant;

beforeAll(async () => {
  test = await startTestHub({ label: 'health_window', database: 'postgres', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
});

type Outcome = 'succeeded' | 'failed' | 'cancelled';

async function insertRun(integrationId: string, status: Outcome, queuedAgoMs: number, finishedAgoMs: number, kind: 'poll' | 'action' = 'poll') {
  const now = Date.now();
  const queued = new Date(now - queuedAgoMs);
  const finished = new Date(now - finishedAgoMs);
  await test.hub.db
    .insertInto('integration_runs')
    .values({
      tenant_id: tenant.id, integration_id: integrationId, kind, stream: kind === 'poll' ? 'items' : null, action: kind === 'action' ? 'record' : null,
      trigger: kind === 'poll' ? 'schedule' : 'route', mode: kind === 'poll' ? 'incremental' : null,
      idempotency_key: `window-${Math.random()}`, status, queued_at: queued, started_at: queued, finished_at: finished,
      latency_ms: finished.getTime() - queued.getTime(), error_code: status === 'failed' ? 'upstream_unavailable' : null,
    })
    .execute();
}

async function healthOf(integrationId: string) {
  return (await (await test.request('get', `/api/integrations/${integrationId}`, { token: tenant.tokens.viewer })).json()).health;
}

it('counts the runs that finished in the last 24 h even when they were queued before (held while paused), as the hourly rows do', async () => {
  const integration = await createTestkitIntegration(test, tenant, `window-${Math.random()}`);
  for (let i = 0; i < 19; i += 1) await insertRun(integration.id, 'succeeded', 3 * HOUR, 3 * HOUR - MIN);
  // Route actions queued 30 h ago while the integration was paused, failed after its resume.
  for (let i = 0; i < 3; i += 1) await insertRun(integration.id, 'failed', 30 * HOUR, 2 * HOUR, 'action');
  await insertRun(integration.id, 'succeeded', 90 * MIN, 90 * MIN - MIN);

  // By hand: 20 succeeded + 3 failed finished in the window -> 20/23 = 0.8695…, below 0.95.
  for (let back = 4; back >= 0; back -= 1) await rollUpHealth(test.hub, new Date(Date.now() - back * HOUR));
  const rows = await test.hub.db.selectFrom('integration_health_metrics').select(['runs_total', 'runs_failed']).where('integration_id', '=', integration.id).execute();
  expect({ total: rows.reduce((sum, row) => sum + row.runs_total, 0), failed: rows.reduce((sum, row) => sum + row.runs_failed, 0) }).toEqual({ total: 23, failed: 3 });
  const health = await healthOf(integration.id);
  // Thousandths rounded down.
  expect(health.successRate24h).toBe(0.869);
  expect(health.status).toBe('degraded');
});

it('includes in p95 a long run queued more than 24 h ago that finished in the window', async () => {
  const integration = await createTestkitIntegration(test, tenant, `window-p95-${Math.random()}`);
  // A backfill of 25 h that finished an hour ago, and 19 polls of a minute.
  await insertRun(integration.id, 'succeeded', 26 * HOUR, 1 * HOUR);
  for (let i = 0; i < 19; i += 1) await insertRun(integration.id, 'succeeded', 3 * HOUR, 3 * HOUR - MIN);
  // By hand (percentile_cont over 20 runs): 60 000 + 0.05 × (90 000 000 − 60 000).
  expect((await healthOf(integration.id)).p95LatencyMs).toBe(Math.round(60_000 + 0.05 * (25 * HOUR - 60_000)));
});

it('leaves cancelled runs out of p95, as out of the success rate and the hourly rows', async () => {
  const integration = await createTestkitIntegration(test, tenant, `window-cancel-${Math.random()}`);
  const finishedAgo = 30 * MIN;
  for (let i = 0; i < 19; i += 1) await insertRun(integration.id, 'succeeded', finishedAgo + 1_000, finishedAgo);
  await insertRun(integration.id, 'failed', finishedAgo + 5_000, finishedAgo);
  await insertRun(integration.id, 'cancelled', finishedAgo + 100, finishedAgo);
  // By hand over the 20 finished runs: 1 000 + 0.05 × (5 000 − 1 000) = 1 200 ms.
  const health = await healthOf(integration.id);
  expect(health.successRate24h).toBe(0.95);
  expect(health.p95LatencyMs).toBe(1_200);
});

it('never shows a rate it calls below 95 % as 0.95, in the API or in /metrics', async () => {
  // A poll every minute on two streams is 2,880 runs a day; 145 failures among them leave 94.97 %.
  const integration = await createTestkitIntegration(test, tenant, `window-edge-${Math.random()}`);
  const insert = (count: number, status: Outcome, finishedAgo: string) =>
    sql`insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, mode, idempotency_key, status, queued_at, started_at, finished_at, latency_ms)
      select ${tenant.id}, ${integration.id}, 'poll', 'items', 'schedule', 'incremental', 'edge-' || ${status} || '-' || g, ${status},
        now() - interval '2 hours', now() - interval '2 hours', now() - ${finishedAgo}::interval, 1000
      from generate_series(1, ${count}) g`.execute(test.hub.db);
  await insert(145, 'failed', '90 minutes');
  // A success last, so the last run did not fail and no task is open: only the rate decides.
  await insert(2735, 'succeeded', '1 hour');

  const health = await healthOf(integration.id);
  expect(health.status).toBe('degraded');
  expect(health.successRate24h).toBe(0.949);
  const metrics = await (await test.request('get', '/metrics')).text();
  const line = metrics.split('\n').find((l) => l.startsWith('hub_integration_success_rate_24h{') && l.includes(integration.id));
  // So an alert rule `hub_integration_success_rate_24h < 0.95` fires for it.
  expect(Number(line?.split(' ').at(-1))).toBe(0.949);
});
