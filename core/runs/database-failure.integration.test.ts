import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait, waitRun } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// A PostgreSQL connection lost while a polled page commits (a failover, a restart, an admin kill)
// is a failure of the hub's own database, not of the upstream: the run is tried again, and no task
// blames the upstream. (PostgreSQL only: PGlite has no backend to terminate.)

describe('a database connection lost while a page is stored', () => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'db_err_page', database: 'postgres', queue: 'bullmq', connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('is tried again and succeeds, with no task blaming the upstream', async () => {
    const dataset = `dberr-${randomUUID()}`;
    const kit = await createTestkitIntegration(test, tenant, dataset);
    const upstream = testkitUpstream(dataset);
    upstream.records.set('a', { v: 1 });
    expect((await syncAndWait(test, tenant, kit.id)).status).toBe('succeeded');

    // Hold the stream's cursor row so the next page's transaction waits on it, then kill that
    // backend: the page's transaction fails with a real 57P01 from PostgreSQL.
    upstream.records.set('b', { v: 1 });
    const locker = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
    await locker.connect();
    await locker.query('begin');
    await locker.query('select * from integration_cursors where integration_id = $1 for update', [kit.id]);
    const response = await test.request('post', `/api/integrations/${kit.id}/sync`, { token: tenant.tokens.operator, body: {} });
    const runId = (await response.json()).runs[0].id;
    const killed = await waitFor('the page transaction to wait on the cursor row', async () => {
      const { rows } = await locker.query(
        `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
      );
      if (rows.length === 0) return undefined;
      await locker.query('select pg_terminate_backend($1)', [rows[0].pid]);
      return rows[0].pid;
    });
    expect(killed).toBeTruthy();
    await locker.query('rollback');
    await locker.end();

    const settled = await waitRun(test, tenant, runId);
    expect(settled).toMatchObject({ status: 'succeeded', records: { seen: 1, new: 1, changed: 0 } });
    const row = await test.hub.db.selectFrom('integration_runs').select('attempts').where('id', '=', runId).executeTakeFirstOrThrow();
    expect(row.attempts).toBeGreaterThan(1);
    expect(await test.hub.db.selectFrom('tasks').select('code').where('integration_id', '=', kit.id).execute()).toEqual([]);
  });
});
