import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { captureLog } from '../../test-support/captured-log.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';

// A statement the hub's database refuses while a run stores its page (here a privilege taken
// away, SQLSTATE 42501, played by a trigger that lets the failure event through) is the hub's failure, not the upstream's: the run
// fails once as database_error with the database_error runbook, naming the SQLSTATE and no
// stored value, and the log says what PostgreSQL said and where.

describe.each(RUNTIME_MODES)('a page the database refuses to store, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  const log = captureLog();
  beforeAll(async () => {
    test = await startTestHub({ label: 'db_refusal', ...options, connectors: [...connectors, testkit], workers: true, logTo: log.stream });
    tenant = await test.createTenant('acme');
    await sql`create function refuse_events() returns trigger language plpgsql as $$
      begin raise exception 'permission denied for table integration_events (value %)', new.external_id using errcode = '42501'; end $$`.execute(test.hub.db);
    await sql`create trigger refuse_events before insert on integration_events for each row when (new.source <> 'system') execute function refuse_events()`.execute(test.hub.db);
  });
  afterAll(async () => {
    await test?.close();
  });

  it('fails the run at once as database_error, opens its task, and logs the database message with the run id', async () => {
    const dataset = `refused-${randomUUID()}`;
    const kit = await createTestkitIntegration(test, tenant, dataset);
    testkitUpstream(dataset).records.set('stored-value-canary', { v: 1 });

    const run = await syncAndWait(test, tenant, kit.id);
    expect(run).toMatchObject({ status: 'failed', errorCode: 'database_error', runbook: 'runbooks/database_error.md' });
    expect(run.errorMessage).toContain('SQLSTATE 42501');
    expect(JSON.stringify(run)).not.toContain('stored-value-canary');
    expect(run.attempts).toBe(1);

    const tasks = await (await test.request('get', `/api/tasks?integrationId=${kit.id}`, { token: tenant.tokens.viewer })).json();
    expect(tasks.tasks).toEqual([expect.objectContaining({ code: 'database_error', runbook: 'runbooks/database_error.md' })]);

    const line = log.records().find((record) => record['msg'] === 'run failed on an unexpected error' && record['runId'] === run.id);
    expect(line).toMatchObject({ level: 50, integrationId: kit.id, code: 'database_error', error: { code: '42501', message: expect.stringContaining('permission denied for table integration_events') } });
    expect((line?.['error'] as { stack: string[] }).stack.length).toBeGreaterThan(0);
  });
});
