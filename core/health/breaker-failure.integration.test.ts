import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { basicCredentials, createServiceNowIntegration } from '../../test-support/servicenow-integration.ts';
import { startServiceNowWorld, type ServiceNowWorld } from '../../test-support/servicenow-world.ts';

// A ServiceNow upstream that answers 503 until the integration's circuit breaker opens, through
// the whole runtime: the failed run, its failure event and task, the breaker's half-open trial, and
// health turning degraded (not healthy) once the runs of the last 24 h hold failures.
// The breaker opens as by default (10 calls, 50 %) but stays open 10 s instead of 30 s
// (HUB_BREAKER_OPEN_SECONDS): long enough for the checks made while it is open, and the half-open
// wait is real.

const INCIDENTS = '/api/now/table/incident';
// What opens the default breaker: ten failed calls in its window, and nothing else before them.
const CALLS_TO_OPEN = 10;
const BREAKER_OPEN_SECONDS = 10;
// The run that opens the breaker takes ~20 s (its retries back off); the half-open wait 10 s more.
const BREAKER_WAIT_MS = 60_000;

// Each case waits out retries and the breaker: more than the default limit on a loaded machine.
describe.each(RUNTIME_MODES)('circuit breaker failures and degraded health on $name', { timeout: 180_000 }, ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  let world: ServiceNowWorld | undefined;

  beforeAll(async () => {
    world = await startServiceNowWorld({ label: 'breaker_failure', ...options, env: { HUB_BREAKER_OPEN_SECONDS: String(BREAKER_OPEN_SECONDS) } });
    ({ test, tenant, fake } = world);
  });
  afterAll(async () => {
    await world?.close();
  });

  const createServiceNow = (name: string) =>
    createServiceNowIntegration(test, tenant, { name, instanceUrl: fake.url, config: { pageSize: 5 }, credentials: basicCredentials('svc-grc', 'correct-horse', secret) });

  const sync = async (id: string, timeoutMs?: number) => {
    const response = await test.request('post', `/api/integrations/${id}/sync`, { token: tenant.tokens.operator, body: { stream: 'incident' } });
    expect(response.status).toBe(202);
    const { runs } = await response.json();
    return waitFor(
      'the incident run to finish',
      async () => {
        const run = await (await test.request('get', `/api/runs/${runs[0].id}`, { token: tenant.tokens.viewer })).json();
        return ['succeeded', 'failed'].includes(run.status) ? run : undefined;
      },
      timeoutMs,
    );
  };
  const get = async (path: string) => (await test.request('get', path, { token: tenant.tokens.viewer })).json();
  const healthOf = async (id: string) => (await get(`/api/integrations/${id}`)).health;
  const tasksOf = async (id: string) => (await get(`/api/tasks?integrationId=${id}`)).tasks;
  const incidentCallsSince = (from: number) => fake.requests.slice(from).filter((request) => request.path.startsWith(INCIDENTS));

  it('fails the run with circuit_open after repeated 503s, with one failure event and one task, resolved by the success after half-open', async () => {
    fake.records.seed('incident', 3, (i) => ({ short_description: `Breaker incident ${i}` }));
    const integration = await createServiceNow(`SN breaker ${Math.random()}`);
    fake.failNext(CALLS_TO_OPEN, { status: 503, path: INCIDENTS });
    const before = fake.requests.length;

    // Each attempt retries its call, and the run is retried twice: the tenth 503 opens the breaker,
    // and the call after it is refused without reaching ServiceNow.
    const failed = await sync(integration.id, BREAKER_WAIT_MS);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'circuit_open', runbook: 'runbooks/circuit_open.md', attempts: 3 });
    expect(failed.errorMessage).toMatch(/circuit .* is open after repeated upstream failures; the last: upstream_unavailable: GET \/api\/now\/table\/incident answered 503: Service Unavailable$/);
    expect(incidentCallsSince(before).map((call) => call.status)).toEqual(Array(CALLS_TO_OPEN).fill(503));

    // Only the run's final failure is an event: the retried 503s before it are not.
    const { events } = await get(`/api/events?integrationId=${integration.id}&type=failure.*`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'failure.circuit_open', payload: { code: 'circuit_open', runId: failed.id, runbook: 'runbooks/circuit_open.md' } });

    const opened = await tasksOf(integration.id);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ code: 'circuit_open', runbook: 'runbooks/circuit_open.md', status: 'open', occurrences: 1, failingOperations: ['poll:incident'] });
    expect(events[0].payload.taskId).toBe(opened[0].id);
    expect(await healthOf(integration.id)).toMatchObject({ status: 'failing', breaker: 'open', openTasks: 1 });
    // Open for HUB_BREAKER_OPEN_SECONDS, as every worker is told.
    const shared = await waitFor('the open breaker shared', async () =>
      test.hub.db.selectFrom('integration_breakers').selectAll().where('integration_id', '=', integration.id).where('state', '=', 'open').executeTakeFirst(),
    );
    expect(shared.reopens_at!.getTime() - shared.changed_at.getTime()).toBe(BREAKER_OPEN_SECONDS * 1000);

    // While open, a sync fails fast without calling ServiceNow, and updates the same task.
    const refusedFrom = fake.requests.length;
    expect(await sync(integration.id)).toMatchObject({ status: 'failed', errorCode: 'circuit_open', attempts: 1 });
    expect(incidentCallsSince(refusedFrom)).toEqual([]);
    expect(await tasksOf(integration.id)).toMatchObject([{ id: opened[0].id, code: 'circuit_open', status: 'open', occurrences: 2 }]);

    // ServiceNow answers again (no faults left); after its open time the breaker lets a trial call through.
    const halfOpen = await waitFor('the breaker to half-open', async () => {
      const health = await healthOf(integration.id);
      return health.breaker === 'half_open' && health;
    }, BREAKER_WAIT_MS);
    // Still failing: the circuit_open task is open until a success proves the upstream answers.
    expect(halfOpen).toMatchObject({ status: 'failing', openTasks: 1 });

    const trialFrom = fake.requests.length;
    expect(await sync(integration.id)).toMatchObject({ status: 'succeeded', errorCode: null, records: { new: 3 } });
    expect(incidentCallsSince(trialFrom)[0]?.status).toBe(200);
    const resolved = await get(`/api/tasks/${opened[0].id}`);
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'system' });
    expect((await tasksOf(integration.id)).filter((task: { status: string }) => task.status !== 'resolved')).toEqual([]);

    // Closed and nothing open, but one success in three runs over 24 h: degraded, not healthy.
    expect(await healthOf(integration.id)).toMatchObject({ status: 'degraded', breaker: 'closed', openTasks: 0, successRate24h: 0.333 });
  });

  it('is degraded after a recovered failure until 95 % of the runs of the last 24 h succeeded', async () => {
    fake.records.seed('incident', 2, (i) => ({ short_description: `Degraded incident ${i}` }));
    const integration = await createServiceNow(`SN degraded ${Math.random()}`);
    // A 403 is the upstream answering about our request: no retry, no breaker, one failed run.
    fake.failNext(1, { status: 403, path: INCIDENTS });
    expect(await sync(integration.id)).toMatchObject({ status: 'failed', errorCode: 'permission_denied' });
    expect(await healthOf(integration.id)).toMatchObject({ status: 'failing', openTasks: 1, breaker: 'closed' });

    expect(await sync(integration.id)).toMatchObject({ status: 'succeeded' });
    const health = await healthOf(integration.id);
    expect(health).toMatchObject({ status: 'degraded', breaker: 'closed', openTasks: 0, successRate24h: 0.5 });
    expect(health.lastSuccessAt > health.lastFailureAt).toBe(true);

    // 18 of 19 runs succeeded (94.7 %): still degraded; the 19th success makes it 95 %: healthy.
    for (let i = 0; i < 17; i += 1) expect(await sync(integration.id)).toMatchObject({ status: 'succeeded' });
    expect(await healthOf(integration.id)).toMatchObject({ status: 'degraded', successRate24h: 0.947 });
    expect(await sync(integration.id)).toMatchObject({ status: 'succeeded' });
    expect(await healthOf(integration.id)).toMatchObject({ status: 'healthy', successRate24h: 0.95 });
  });
});
