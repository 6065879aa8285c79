import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { MAX_RUN_ATTEMPTS } from './failure.ts';
import { reconcile } from './reconciler.ts';

// An action run whose worker died while it ran may already have taken effect upstream: each
// (route, event) acts at most once, so only an action that does no more when run twice runs again;
// any other fails as run_interrupted for an operator to check. And however many reconcile passes
// find a stale run at once, it is settled once.

describe.each(RUNTIME_MODES)('reconciler and stale action runs on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let slack: FakeSlack;
  let slackIntegrationId: string;
  const longAgo = () => new Date(Date.now() - 10 * 60_000);

  beforeAll(async () => {
    slack = await startFakeSlack({});
    // The test calls reconcile() itself and reads that pass's report: a background pass (every 15 s
    // by default) between a stale row's insert and that call would settle the row first.
    test = await startTestHub({ label: 'reconcile_actions', ...options, connectors: [...connectors, testkit], workers: true, env: { HUB_RECONCILE_INTERVAL_SECONDS: '86400' } });
    tenant = await test.createTenant('acme');
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'slack', name: 'Slack', config: { slackApiUrl: slack.apiUrl }, credentials: { botToken: slack.botToken, signingSecret: 'slack-signing-secret-0123456789' } },
    });
    expect(created.status).toBe(201);
    slackIntegrationId = (await created.json()).id;
  });
  afterAll(async () => {
    await test?.close();
    await slack?.close();
  });

  /** A run as a worker that died mid-way leaves it: running, silent for longer than the lease. */
  async function staleRun(values: { integrationId: string; kind: 'poll' | 'action'; action?: string; stream?: string; input?: unknown; attempts: number }) {
    return test.hub.db
      .insertInto('integration_runs')
      .values({
        tenant_id: tenant.id, integration_id: values.integrationId, kind: values.kind, action: values.action ?? null, stream: values.stream ?? null,
        mode: values.kind === 'poll' ? 'incremental' : null, input: values.input === undefined ? null : JSON.stringify(values.input),
        trigger: values.kind === 'poll' ? 'manual' : 'route', idempotency_key: `stale-${crypto.randomUUID()}`,
        status: 'running', queued_at: longAgo(), started_at: longAgo(), heartbeat_at: longAgo(), attempts: values.attempts,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  const runRow = (id: string) => test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('fails a Slack post whose worker died mid-call instead of posting it a second time', async () => {
    const input = { channel: 'C0ALERTS', text: `P1 incident opened ${Math.random()}` };
    // The dead worker's call reached Slack before it died.
    const posted = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(input),
    });
    expect(((await posted.json()) as { ok: boolean }).ok).toBe(true);
    const run = await staleRun({ integrationId: slackIntegrationId, kind: 'action', action: 'post_message', input, attempts: 1 });

    const report = await reconcile(test.hub);
    expect(report.runsFailedInterrupted).toBeGreaterThanOrEqual(1);
    const failed = await runRow(run.id);
    expect(failed).toMatchObject({ status: 'failed', error_code: 'run_interrupted', attempts: 1 });
    expect(failed.error_message).toContain('slack action post_message stopped while it ran; it may already have taken effect upstream');
    const task = await test.hub.db.selectFrom('tasks').selectAll().where('integration_id', '=', slackIntegrationId).where('code', '=', 'run_interrupted').executeTakeFirstOrThrow();
    expect(task.failing_operations).toContain('action:post_message');
    // Nothing runs it later either.
    await reconcile(test.hub);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.messages.filter((message) => message.text === input.text)).toHaveLength(1);
    expect((await runRow(run.id)).status).toBe('failed');
  });

  it('runs an action that does no more when run twice again, and upstream sees it once', async () => {
    const dataset = `stale-idempotent-${Math.random()}`;
    const integration = await createTestkitIntegration(test, tenant, dataset);
    const input = { message: 'evidence collected' };
    const run = await staleRun({ integrationId: integration.id, kind: 'action', action: 'record', input, attempts: 1 });
    // The dead worker's call took effect upstream.
    testkitUpstream(dataset).actions.push({ input, idempotencyKey: run.idempotency_key });

    expect((await reconcile(test.hub)).runsTakenOver).toBeGreaterThanOrEqual(1);
    const done = await waitFor('the taken-over action to succeed', async () => {
      const row = await runRow(run.id);
      return row.status === 'succeeded' ? row : undefined;
    });
    expect(done.attempts).toBe(2);
    expect(testkitUpstream(dataset).actions).toEqual([{ input, idempotencyKey: run.idempotency_key }]);
  });

  it('settles a stale run once however many reconcile passes find it at the same time', async () => {
    const integration = await createTestkitIntegration(test, tenant, `stale-passes-${Math.random()}`);
    const run = await staleRun({ integrationId: integration.id, kind: 'poll', stream: 'items', attempts: MAX_RUN_ATTEMPTS });
    const reports = await Promise.all([reconcile(test.hub), reconcile(test.hub), reconcile(test.hub)]);
    expect(reports.reduce((sum, report) => sum + report.runsFailedInterrupted, 0)).toBe(1);
    expect(await runRow(run.id)).toMatchObject({ status: 'failed', error_code: 'run_interrupted', attempts: MAX_RUN_ATTEMPTS });
    const tasks = await test.hub.db.selectFrom('tasks').select(['code', 'occurrences']).where('integration_id', '=', integration.id).execute();
    expect(tasks).toEqual([{ code: 'run_interrupted', occurrences: 1 }]);
    const events = await test.hub.db.selectFrom('integration_events').select('type').where('run_id', '=', run.id).execute();
    expect(events).toEqual([{ type: 'failure.run_interrupted' }]);
  });

  // The failure is made with a PostgreSQL trigger.
  it.runIf(options.database === 'postgres')('gives a stale run back as it was when settling it fails, and settles it on a later pass', async () => {
    const integration = await createTestkitIntegration(test, tenant, `stale-giveback-${Math.random()}`);
    const run = await staleRun({ integrationId: integration.id, kind: 'poll', stream: 'items', attempts: MAX_RUN_ATTEMPTS });
    // Opening the task fails: the reconciler's settling breaks off after it took the run over.
    await sql`create function refuse_task() returns trigger language plpgsql as $$ begin raise exception 'tasks refused for a test'; end $$`.execute(test.hub.db);
    await sql`create trigger refuse_task before insert on tasks for each row execute function refuse_task()`.execute(test.hub.db);
    try {
      await expect(reconcile(test.hub)).rejects.toThrow(/tasks refused for a test/);
    } finally {
      await sql`drop trigger refuse_task on tasks`.execute(test.hub.db);
      await sql`drop function refuse_task()`.execute(test.hub.db);
    }
    expect(await runRow(run.id)).toMatchObject({ status: 'running', attempts: MAX_RUN_ATTEMPTS });

    expect((await reconcile(test.hub)).runsFailedInterrupted).toBe(1);
    expect(await runRow(run.id)).toMatchObject({ status: 'failed', error_code: 'run_interrupted', attempts: MAX_RUN_ATTEMPTS });
  });
});
