import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { removeOldHistory } from './history-retention.ts';

// Each batch of the retention goes on after the last row the one before looked at. Rows written
// together share one instant, to the microsecond: more than a batch of them kept (actions held for
// a paused target) must not hold the pass on that instant while older history waits behind them.

describe.each(RUNTIME_MODES)('history retention past rows of one instant on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'retention_instant', ...options, connectors: [...connectors, testkit], env: { HUB_HISTORY_RETENTION_DAYS: '30' } });
    tenant = await test.createTenant('acme');
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('goes on past more than a batch of kept runs queued in the same instant', async () => {
    const target = await createTestkitIntegration(test, tenant, `retention-instant-${randomUUID()}`);
    // 2,001 actions held for a paused target since one instant 40 days ago, with microseconds.
    const instant = sql`date_trunc('second', now() - interval '40 days') + interval '123456 microseconds'`;
    await sql`insert into integration_runs (tenant_id, integration_id, kind, trigger, action, idempotency_key, status, queued_at)
      select ${tenant.id}, ${target.id}, 'action', 'route', 'record', 'held-' || n, 'queued', ${instant}
      from generate_series(1, 2001) as n`.execute(test.hub.db);
    // Behind them: a poll that succeeded 39 days ago, and the integration's latest success since.
    const insertPoll = (key: string, ago: string) =>
      sql<{ id: string }>`insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, idempotency_key, status, queued_at, started_at, finished_at)
        values (${tenant.id}, ${target.id}, 'poll', 'items', 'schedule', ${key}, 'succeeded', now() - ${ago}::interval, now() - ${ago}::interval, now() - ${ago}::interval)
        returning id`.execute(test.hub.db);
    const old = (await insertPoll('old-poll', '39 days')).rows[0]!.id;
    await insertPoll('latest-poll', '1 day');

    const pass = await removeOldHistory(test.hub);
    expect(pass).toMatchObject({ runs: 1, more: false });
    expect(await test.hub.db.selectFrom('integration_runs').select('id').where('id', '=', old).executeTakeFirst()).toBeUndefined();
    const held = await sql<{ n: number }>`select count(*)::int as n from integration_runs where status = 'queued'`.execute(test.hub.db);
    expect(held.rows[0]!.n).toBe(2001);
  });
});
