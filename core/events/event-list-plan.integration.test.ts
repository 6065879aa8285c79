import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { rowsRead, seedHistory } from '../../test-support/large-tenant.ts';
import { planOf, recordingDb, planPool } from '../../test-support/query-plans.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import type { HubContext } from '../server/hub-context.ts';
import { listEventPage } from './event-page.query.ts';
import { listEventSummaries, type EventFilter } from './event.query.ts';

// Events are kept for good and stored in bulk. The lists an operator filters (the events of one
// run on the admin run page, failed events, failure events) and deleting an integration (whose
// runs' events the foreign key sets to null, run by run) must read about what they show, not the
// tenant's whole history. Checked on PostgreSQL's plans.

let test: TestHub;
let tenant: TestTenant;
let pool: pg.Pool;

beforeAll(async () => {
  test = await startTestHub({ label: 'event_list_plan', database: 'postgres', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('big');
  await seedHistory(test.hub.db, tenant.id, 'big', { integrations: 100, runsPerIntegration: 300, eventPerPoll: true });
  await seedHistory(test.hub.db, (await test.createTenant('other')).id, 'other', { integrations: 50, runsPerIntegration: 300, eventPerPoll: true });
  pool = planPool(test.hub.config.DATABASE_URL!);
  // One event in 500 failed routing, and one in 500 is a failure event, spread over the history.
  await pool.query(`update integration_events set status = 'failed', error = 'route failed' where tenant_id = $1 and ('x' || substr(md5(id::text), 1, 6))::bit(24)::int % 500 = 0`, [tenant.id]);
  await pool.query(`update integration_events set type = 'item.updated' where tenant_id = $1 and type like 'failure.%' and ('x' || substr(md5(id::text), 7, 6))::bit(24)::int % 25 <> 0`, [tenant.id]);
  await sql`vacuum analyze`.execute(test.hub.db);
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await test?.close();
});

async function somePollRun(): Promise<{ id: string; integration_id: string }> {
  const { rows } = await pool.query(`select id, integration_id from integration_runs where tenant_id = $1 and kind = 'poll' order by queued_at limit 1`, [tenant.id]);
  return rows[0];
}

// The admin UI's list, and GET /api/events's, which reads the same rows without their payloads
// first, then the payloads of the events its page keeps, by id.
async function planOfList(filter: Omit<EventFilter, 'limit'>, list = listEventSummaries): Promise<{ shown: number; plan: string }> {
  const { db, sent } = recordingDb(pool);
  const events = await list({ ...test.hub, db } as HubContext, tenant.id, { ...filter, limit: 50 });
  const plans = await Promise.all(sent.map((query) => planOf(pool, query, { analyze: true })));
  return { shown: events.length, plan: plans.join('\n') };
}

it("lists one run's events (the admin run page, GET /api/events?runId=) without reading every event", async () => {
  const run = await somePollRun();
  const { events } = await (await test.request('get', `/api/events?runId=${run.id}`, { token: tenant.tokens.viewer })).json();
  expect(events.map((event: { runId: string }) => event.runId)).toEqual([run.id]);
  for (const list of [listEventSummaries, listEventPage]) {
    const { shown, plan } = await planOfList({ runId: run.id }, list);
    expect(shown).toBe(1);
    expect(plan).not.toMatch(/Seq Scan on integration_events/);
    expect(rowsRead(plan, 'integration_events'), plan).toBeLessThan(100);
  }
});

for (const [name, filter] of [
  ['failed events (?status=failed)', { status: 'failed' as const }],
  ['failure events (?type=failure.*)', { type: 'failure.*' }],
] as const) {
  it(`lists ${name} without reading the tenant's other events`, async () => {
    for (const list of [listEventSummaries, listEventPage]) {
      const { shown, plan } = await planOfList(filter, list);
      expect(shown).toBeGreaterThan(0);
      expect(plan).not.toMatch(/Seq Scan on integration_events/);
      // About 50 of 27,000: a few hundred at most.
      expect(rowsRead(plan, 'integration_events'), plan).toBeLessThan(1_000);
    }
  });
}

it("reads no payloads for the admin UI's lists, which show none", async () => {
  const { db, sent } = recordingDb(pool);
  const events = await listEventSummaries({ ...test.hub, db } as HubContext, tenant.id, { limit: 50 });
  expect(events).toHaveLength(50);
  expect(events[0]).not.toHaveProperty('payload');
  expect(sent[0]!.sql).not.toMatch(/"payload"|\*/);
});

it('deletes an integration with 300 runs without a scan of the events per run', async () => {
  const run = await somePollRun();
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query('explain (analyze, buffers off) delete from integration_configs where id = $1', [run.integration_id]);
    await client.query('rollback');
    const plan = rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
    // The statement the foreign key runs per deleted run, `update integration_events set run_id = null where $1 = run_id`.
    const trigger = /Trigger for constraint integration_events_run_id_fkey on integration_runs: time=([\d.]+) calls=(\d+)/.exec(plan);
    expect(trigger, plan).not.toBeNull();
    expect(Number(trigger![2])).toBe(300);
    const fk = await planOf(pool, { sql: 'update only integration_events set run_id = null where $1 = run_id', parameters: [run.id] } as never);
    expect(fk).not.toMatch(/Seq Scan on integration_events/);
  } finally {
    client.release();
  }
});
