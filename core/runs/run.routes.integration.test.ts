import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { walkKeysetPages } from '../../test-support/keyset-pages.ts';

interface ListedRun {
  id: string;
  stream: string;
  queuedAt: string;
}

// Runs queued together (a sync of every stream, a burst of fires) share one queued_at; paging by
// the last run's time alone skipped the rest of its instant (README, API: GET /api/runs).
describe.each(RUNTIME_MODES)('paging runs on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let integrationId = '';
  const future = '2030-01-01T00:00:00.123';
  const filter = () => `integrationId=${integrationId}&kind=poll`;

  beforeAll(async () => {
    test = await startTestHub({ label: 'run_list', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
    integrationId = (await createTestkitIntegration(test, tenant, 'run-list')).id;
    // Five runs within one millisecond, two pairs of them sharing one microsecond, and a check run
    // of that millisecond that the kind filter leaves out.
    const rows = [['900', 'p.a', 'poll'], ['600', 'p.b', 'poll'], ['600', 'q.x', 'check'], ['600', 'p.c', 'poll'], ['300', 'p.d', 'poll'], ['300', 'p.e', 'poll']] as const;
    for (const [micros, stream, kind] of rows) {
      await sql`insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, idempotency_key, status, queued_at)
        values (${tenant.id}, ${integrationId}, ${kind}, ${stream}, 'manual', ${`run-list:${stream}`}, 'succeeded', ${`${future}${micros}Z`}::timestamptz)`.execute(test.hub.db);
    }
  });
  afterAll(async () => {
    await test?.close();
  });

  async function page(query: string): Promise<ListedRun[]> {
    const response = await test.request('get', `/api/runs?${query}`, { token: tenant.tokens.viewer });
    expect(response.status).toBe(200);
    return (await response.json()).runs;
  }

  const walk = (limit: number) => walkKeysetPages(page, `${filter()}&limit=${limit}`, (item: ListedRun) => item.queuedAt);

  it('shows queuedAt with the microseconds PostgreSQL stored, in the list and for one run', async () => {
    const runs = await page(`${filter()}&limit=10`);
    expect(runs.map((run) => run.queuedAt)).toEqual([`${future}900Z`, `${future}600Z`, `${future}600Z`, `${future}300Z`, `${future}300Z`]);
    const one = await test.request('get', `/api/runs/${runs[1]!.id}`, { token: tenant.tokens.viewer });
    expect((await one.json()).queuedAt).toBe(`${future}600Z`);
  });

  it('gives a manual sync\'s runs the same full-precision queuedAt in its 202 as the runs list', async () => {
    const other = await createTestkitIntegration(test, tenant, 'run-list-sync');
    const synced = await test.request('post', `/api/integrations/${other.id}/sync`, { token: tenant.tokens.operator, body: {} });
    expect(synced.status).toBe(202);
    const { runs } = (await synced.json()) as { runs: ListedRun[] };
    expect(runs.length).toBeGreaterThan(0);
    // Each a key of its own: a manual sync never takes a scheduled window's run, nor another sync's.
    const again = (await (await test.request('post', `/api/integrations/${other.id}/sync`, { token: tenant.tokens.operator, body: {} })).json()) as { runs: Array<ListedRun & { idempotencyKey: string }> };
    const keys = [...runs, ...again.runs].map((run) => (run as ListedRun & { idempotencyKey: string }).idempotencyKey);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${other.id}:[^:]+:manual:[0-9a-f-]{36}$`));
    expect(new Set(keys).size).toBe(keys.length);
    for (const run of runs) {
      expect(run.queuedAt).toMatch(/\.\d{6}Z$/);
      const listed = await test.request('get', `/api/runs/${run.id}`, { token: tenant.tokens.viewer });
      expect((await listed.json()).queuedAt).toBe(run.queuedAt);
    }
  });

  it.each([1, 2, 3])('walks every run once, newest first, %i per page', async (limit) => {
    const seen = await walk(limit);
    const all = await page(`${filter()}&limit=10`);
    expect(seen.map((run) => run.id)).toEqual(all.map((run) => run.id));
    expect(seen.map((run) => run.stream).sort()).toEqual(['p.a', 'p.b', 'p.c', 'p.d', 'p.e']);
  });

  it('filters by the failure code a run ended with, as the admin task page links to', async () => {
    const failing = (await createTestkitIntegration(test, tenant, 'run-list-failing')).id;
    await sql`insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, idempotency_key, status, error_code, error_message)
      values (${tenant.id}, ${failing}, 'poll', 'p.f', 'schedule', 'run-list:failed', 'failed', 'auth_invalid', 'GET /x answered 401')`.execute(test.hub.db);
    expect((await page(`integrationId=${failing}&errorCode=auth_invalid`)).map((run) => run.stream)).toEqual(['p.f']);
    expect(await page(`errorCode=rate_limited`)).toEqual([]);
    const unknown = await test.request('get', '/api/runs?errorCode=auth_invalidd', { token: tenant.tokens.viewer });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.fields[0].path).toBe('query.errorCode');
  });

  it('pages by time alone when only before is given', async () => {
    const runs = await page(`${filter()}&before=${encodeURIComponent(`${future}600Z`)}`);
    expect(runs.map((run) => run.stream).sort()).toEqual(['p.d', 'p.e']);
  });

  it('refuses beforeId without before, and one that is not a UUID', async () => {
    for (const query of ['beforeId=00000000-0000-4000-8000-000000000000', 'before=2030-01-02T00:00:00Z&beforeId=nope']) {
      const response = await test.request('get', `/api/runs?${query}`, { token: tenant.tokens.viewer });
      expect(response.status).toBe(400);
      expect((await response.json()).error.fields.map((field: { path: string }) => field.path)).toEqual(['query.beforeId']);
    }
  });
});
