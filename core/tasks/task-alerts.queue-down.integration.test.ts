import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { MAX_RUN_ATTEMPTS } from '../runs/failure.ts';
import { reconcile } from '../runs/reconciler.ts';
import { executeRun } from '../runs/run.worker.ts';
import { refuseRunEnqueues } from '../../test-support/refuse-run-enqueues.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';

// With the queue unreachable (Redis down), a run still ends with its own outcome when the alert of
// the task it opens or resolves cannot be queued: the alert's run row is stored, and the reconciler
// queues it later. Before, the refused enqueue broke off the run's settlement, leaving it
// `running` until the reconciler failed it as `run_interrupted` with a second task.

describe.each(RUNTIME_MODES)('runs settling while the queue is unreachable, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let slackId: string;
  beforeAll(async () => {
    test = await startTestHub({ label: 'alerts_queue_down', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
    const slack = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'slack', name: 'Slack', config: { alertChannel: 'C0ALERTS', slackApiUrl: 'http://127.0.0.1:9/' },
        credentials: { botToken: 'xoxb-test-0000', signingSecret: 'slack-signing-secret-0123456789' },
      },
    });
    expect(slack.status, JSON.stringify(await slack.clone().json())).toBe(201);
    slackId = (await slack.json()).id;
  });

  afterAll(async () => {
    await test?.close();
  });

  it('records the run failed with its own code, one task, and a failure event', async () => {
    const dataset = `qdown-${Math.random()}`;
    const integration = await createTestkitIntegration(test, tenant, dataset);
    // The last attempt of the budget (two transient failures before it) meets one more outage.
    const run = await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'incremental', idempotency_key: `qdown-${dataset}`, status: 'queued', attempts: MAX_RUN_ATTEMPTS - 1 })
      .returningAll()
      .executeTakeFirstOrThrow();
    testkitUpstream(dataset).failures.push({ code: 'upstream_unavailable' });

    // Redis goes away: every enqueue of a run is refused, as BullMQ producers fail fast.
    const restore = refuseRunEnqueues(test.hub.queue);
    await executeRun(test.hub, run.id).catch(() => undefined);
    restore();

    const row = await test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow();
    const events = await test.hub.db.selectFrom('integration_events').select('type').where('run_id', '=', run.id).execute();
    expect({ status: row.status, code: row.error_code, events: events.map((e) => e.type) }).toEqual({
      status: 'failed',
      code: 'upstream_unavailable',
      events: ['failure.upstream_unavailable'],
    });

    // A lease later, the reconciler must not re-blame it as run_interrupted.
    await test.hub.db.updateTable('integration_runs').set({ heartbeat_at: new Date(Date.now() - 3_600_000) }).where('id', '=', run.id).where('status', '=', 'running').execute();
    await reconcile(test.hub);
    const tasks = await test.hub.db.selectFrom('tasks').select(['code', 'status']).where('integration_id', '=', integration.id).execute();
    expect(tasks).toEqual([{ code: 'upstream_unavailable', status: 'open' }]);
  });

  // The success path: a poll that resolves a task whose alert was posted queues the alert's update.
  it('records a succeeded poll as succeeded when the alert update of the task it resolves cannot be queued', async () => {
    const dataset = `qdown-ok-${Math.random()}`;
    const integration = await createTestkitIntegration(test, tenant, dataset);
    testkitUpstream(dataset).records.set('r1', { n: 1 });
    const task = await test.hub.db
      .insertInto('tasks')
      .values({ tenant_id: tenant.id, number: 900 + Math.floor(Math.random() * 1000), integration_id: integration.id, code: 'upstream_unavailable', runbook: 'runbooks/upstream_unavailable.md', title: 't', severity: 'high', status: 'open', last_error: 'x', failing_operations: ['poll:items'] } as never)
      .returningAll()
      .executeTakeFirstOrThrow();
    await test.hub.db.insertInto('task_alerts').values({ tenant_id: tenant.id, task_id: task.id, integration_id: slackId, channel: 'C0ALERTS', ts: '1700000000.000100' }).execute();
    const run = await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: tenant.id, integration_id: integration.id, kind: 'poll', stream: 'items', trigger: 'manual', mode: 'incremental', idempotency_key: `qdown-ok-${dataset}`, status: 'queued', attempts: 0 })
      .returningAll()
      .executeTakeFirstOrThrow();

    const restore = refuseRunEnqueues(test.hub.queue);
    await executeRun(test.hub, run.id).catch(() => undefined);
    restore();

    const row = await test.hub.db.selectFrom('integration_runs').select(['status', 'records_new']).where('id', '=', run.id).executeTakeFirstOrThrow();
    const resolved = await test.hub.db.selectFrom('tasks').select('status').where('id', '=', task.id).executeTakeFirstOrThrow();
    expect({ run: row.status, task: resolved.status }).toEqual({ run: 'succeeded', task: 'resolved' });
  });
});
