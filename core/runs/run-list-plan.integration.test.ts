import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { rowsRead, seedHistory } from '../../test-support/large-tenant.ts';
import { planOf, recordingDb, planPool } from '../../test-support/query-plans.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import type { HubContext } from '../server/hub-context.ts';
import { listRuns } from './run.query.ts';

// GET /api/runs and the admin Runs page list a tenant's runs newest first, 50 a page, and runs are
// kept for good: a page must read about a page of runs, not the tenant's whole history (with the
// integration index alone it read 300,000 runs to show 50). Checked on PostgreSQL's plans.

let test: TestHub;
let tenant: TestTenant;
let pool: pg.Pool;

beforeAll(async () => {
  test = await startTestHub({ label: 'run_list_plan', database: 'postgres', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('big');
  await seedHistory(test.hub.db, tenant.id, 'big', { integrations: 100, runsPerIntegration: 300 });
  await seedHistory(test.hub.db, (await test.createTenant('other')).id, 'other', { integrations: 50, runsPerIntegration: 300 });
  await sql`vacuum analyze`.execute(test.hub.db);
  pool = planPool(test.hub.config.DATABASE_URL!);
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await test?.close();
});

for (const [name, filter] of [
  ['the unfiltered first page', {}],
  ['a page filtered by stream', { stream: 'items' }],
  ['a page filtered by kind', { kind: 'check' as const }],
  ['a page filtered by error code', { errorCode: 'rate_limited' }],
] as const) {
  it(`reads ${name} without reading every run of the tenant`, async () => {
    const { db, sent } = recordingDb(pool);
    const runs = await listRuns({ ...test.hub, db } as HubContext, tenant.id, { ...filter, limit: 50 });
    expect(runs).toHaveLength(50);
    const plan = await planOf(pool, sent[0]!, { analyze: true });
    expect(plan).not.toMatch(/Seq Scan on integration_runs/);
    // A page of 50 reads a few hundred runs at most, not the tenant's 30,000.
    expect(rowsRead(plan, 'integration_runs'), plan).toBeLessThan(1_000);
  });
}

it('reads no action input, which no list shows and which may be megabytes a run', async () => {
  const { db, sent } = recordingDb(pool);
  const runs = await listRuns({ ...test.hub, db } as HubContext, tenant.id, { limit: 50 });
  expect(runs).toHaveLength(50);
  expect(runs[0]).not.toHaveProperty('input');
  expect(sent[0]!.sql).not.toMatch(/"input"|\*/);
});
