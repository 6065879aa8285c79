import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { planOf, recordingDb, planPool } from '../../test-support/query-plans.ts';
import type { HubContext } from '../server/hub-context.ts';
import { hourOf, rewriteHealthHours } from './health-hours.ts';
import { integrationHealth } from './integration-health.service.ts';

// Every integration list, admin page, digest and /metrics scrape computes health, and runs are kept
// for good: reading one integration's health must go through an index on its runs, never through
// the runs of every tenant. Checked on PostgreSQL's plans for the queries health actually sends.

let test: TestHub;
let tenant: TestTenant;
let pool: pg.Pool;

beforeAll(async () => {
  test = await startTestHub({ label: 'health_plan', database: 'postgres', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('acme');
  pool = planPool(test.hub.config.DATABASE_URL!);
});
afterAll(async () => {
  await pool?.end();
  await test?.close();
});

it("reads one integration's health through indexes, not a scan of every tenant's runs", async () => {
  const target = await createTestkitIntegration(test, tenant, `plan-${Math.random()}`);
  const other = await test.createTenant('other');
  // Another tenant's history: 60 integrations with 1,000 hourly runs each, one in ten failed.
  await sql`insert into integration_configs (tenant_id, connector, name, environment)
    select ${other.id}, 'testkit', 'bulk-' || g, 'production' from generate_series(1, 60) g`.execute(test.hub.db);
  await sql`insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, idempotency_key, status, queued_at, started_at, finished_at, latency_ms)
    select c.tenant_id, c.id, 'poll', 'items', 'schedule', 'bulk-' || c.id || '-' || g,
      case when g % 10 = 0 then 'failed' else 'succeeded' end,
      now() - make_interval(hours => g), now() - make_interval(hours => g), now() - make_interval(hours => g) + interval '1 minute', 1000 + g
    from integration_configs c, generate_series(1, 1000) g where c.tenant_id = ${other.id}`.execute(test.hub.db);
  await sql`analyze integration_runs`.execute(test.hub.db);

  const { db: recording, sent } = recordingDb(pool);
  const [row] = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', target.id).execute();
  await integrationHealth({ ...test.hub, db: recording } as HubContext, [row!]);

  const runQueries = sent.filter((query) => query.sql.includes('integration_runs'));
  expect(runQueries.length).toBeGreaterThanOrEqual(3);
  for (const query of runQueries) {
    const plan = await planOf(pool, query);
    expect(plan, query.sql).not.toMatch(/Seq Scan on integration_runs/);
  }
  // Success rate and p95 over the runs finished in the last 24 h: by outcome and finish time.
  const stats = runQueries.find((query) => query.sql.includes('percentile_cont'))!;
  expect(await planOf(pool, stats), stats.sql).toMatch(/integration_runs_integration_finished_idx/);
});

it("redoes one integration's hour, as a replay does, through an index rather than a scan of every run", async () => {
  const target = await createTestkitIntegration(test, tenant, `plan-hour-${Math.random()}`);
  const { db: recording, sent } = recordingDb(pool);
  // An hour in which the other tenant's integrations have runs too.
  await rewriteHealthHours(recording, { integrationId: target.id, hour: hourOf(new Date(Date.now() - 5 * 3_600_000)) });
  const [rewrite] = sent;
  expect(await planOf(pool, rewrite!), rewrite!.sql).not.toMatch(/Seq Scan on integration_runs/);
});
