import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, waitRun } from '../../test-support/testkit-integration.ts';
import { streamFailures, testkitStreams, TESTKIT_STREAMS_SCHEDULES_OFF, type TestkitStream } from '../../test-support/testkit-streams-connector.ts';
import { settleTasksAfterSuccess } from './task-recovery.ts';
import { openOrUpdateTask } from './task.service.ts';

// A success settles only the failing operations it proves: one stream that works must not resolve
// the task of another stream that keeps failing (which would reopen it, with a new alert, on every
// interval).

describe.each(RUNTIME_MODES)('failure tasks settled by the operations that succeed, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'task-recovery', ...options, connectors: [...connectors, testkit, testkitStreams], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  async function twoStreamIntegration() {
    const dataset = `recovery-${Math.random()}`;
    const integration = await createTestkitIntegration(test, tenant, dataset, { connector: 'testkit_streams', schedules: TESTKIT_STREAMS_SCHEDULES_OFF });
    return { id: integration.id as string, failures: streamFailures(dataset) };
  }

  async function sync(integrationId: string, stream: TestkitStream) {
    const response = await test.request('post', `/api/integrations/${integrationId}/sync`, { token: tenant.tokens.operator, body: { stream } });
    expect(response.status).toBe(202);
    return waitRun(test, tenant, (await response.json()).runs[0].id);
  }

  async function tasksOf(integrationId: string) {
    return (await (await test.request('get', `/api/tasks?integrationId=${integrationId}`, { token: tenant.tokens.viewer })).json()).tasks;
  }

  async function taskDetail(taskId: string) {
    return (await test.request('get', `/api/tasks/${taskId}`, { token: tenant.tokens.viewer })).json();
  }

  it("keeps one open task for a stream that always fails while another stream succeeds between its failures", async () => {
    const integration = await twoStreamIntegration();
    integration.failures.set('alpha', 'permission_denied');

    expect(await sync(integration.id, 'alpha')).toMatchObject({ status: 'failed', errorCode: 'permission_denied' });
    const [opened] = await tasksOf(integration.id);
    expect(await sync(integration.id, 'beta')).toMatchObject({ status: 'succeeded' });
    expect(await sync(integration.id, 'alpha')).toMatchObject({ status: 'failed' });
    expect(await sync(integration.id, 'beta')).toMatchObject({ status: 'succeeded' });
    expect(await sync(integration.id, 'alpha')).toMatchObject({ status: 'failed' });

    const tasks = await tasksOf(integration.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ key: opened.key, code: 'permission_denied', status: 'open', occurrences: 3, failingOperations: ['poll:alpha'] });
    expect((await taskDetail(tasks[0].id)).history.map((h: { action: string }) => h.action)).toEqual(['opened']);
  });

  it('resolves a task two streams failed with the same code only after both succeeded again', async () => {
    const integration = await twoStreamIntegration();
    integration.failures.set('alpha', 'permission_denied');
    integration.failures.set('beta', 'permission_denied');
    await sync(integration.id, 'alpha');
    await sync(integration.id, 'beta');
    await sync(integration.id, 'alpha');
    const [task] = await tasksOf(integration.id);
    expect(task).toMatchObject({ status: 'open', occurrences: 3, failingOperations: ['poll:alpha', 'poll:beta'] });

    integration.failures.delete('alpha');
    expect(await sync(integration.id, 'alpha')).toMatchObject({ status: 'succeeded' });
    expect(await taskDetail(task.id)).toMatchObject({ status: 'open', failingOperations: ['poll:beta'] });

    integration.failures.delete('beta');
    expect(await sync(integration.id, 'beta')).toMatchObject({ status: 'succeeded' });
    const after = await taskDetail(task.id);
    expect(after).toMatchObject({ status: 'resolved', resolvedBy: 'system', failingOperations: [] });
    expect(after.history).toEqual([
      expect.objectContaining({ action: 'opened' }),
      expect.objectContaining({ action: 'resolved', actor: 'system', note: 'poll:beta succeeded' }),
    ]);
    expect(await tasksOf(integration.id)).toHaveLength(1);
  });

  it('resolves an auth_invalid task on a passing check, but not a permission_denied task of a stream', async () => {
    const integration = await twoStreamIntegration();
    integration.failures.set('alpha', 'permission_denied');
    integration.failures.set('beta', 'auth_invalid');
    await sync(integration.id, 'alpha');
    await sync(integration.id, 'beta');

    const check = await (await test.request('post', `/api/integrations/${integration.id}/check`, { token: tenant.tokens.operator })).json();
    expect(check.ok).toBe(true);
    const byCode = Object.fromEntries((await tasksOf(integration.id)).map((t: { code: string }) => [t.code, t]));
    expect(byCode['auth_invalid']).toMatchObject({ status: 'resolved', failingOperations: ['poll:beta'] });
    expect(byCode['permission_denied']).toMatchObject({ status: 'open', failingOperations: ['poll:alpha'] });
    const history = (await taskDetail(byCode['auth_invalid'].id)).history;
    expect(history.at(-1)).toMatchObject({ action: 'resolved', note: 'a connection check with the stored credentials passed' });
  });

  it('resolves a task from before operations were tracked on any success, as before', async () => {
    const integration = await twoStreamIntegration();
    const legacy = await test.hub.db
      .insertInto('tasks')
      .values({ tenant_id: tenant.id, number: 90_000 + Math.floor(Math.random() * 9_000), integration_id: integration.id, code: 'rate_limited', runbook: 'runbooks/rate_limited.md', title: 'legacy', severity: 'medium', status: 'open' })
      .returning(['id', 'failing_operations'])
      .executeTakeFirstOrThrow();
    expect(legacy.failing_operations).toEqual([]);
    expect(await sync(integration.id, 'beta')).toMatchObject({ status: 'succeeded' });
    expect(await taskDetail(legacy.id)).toMatchObject({ status: 'resolved', resolvedBy: 'system' });
  });

  it('resolves a task once when the successes of its last two operations finish at the same time', async () => {
    const integration = await twoStreamIntegration();
    const failure = { tenantId: tenant.id, integrationId: integration.id, integrationName: 'kit', code: 'network_error', message: 'reset' };
    const { task } = await openOrUpdateTask(test.hub, { ...failure, operation: 'poll:alpha' });
    await openOrUpdateTask(test.hub, { ...failure, operation: 'poll:beta' });
    await openOrUpdateTask(test.hub, { ...failure, operation: 'poll:alpha' });

    const success = (operation: string) => settleTasksAfterSuccess(test.hub, { integrationId: integration.id, operation, credentialsProven: false, why: `${operation} succeeded` });
    const [alpha, beta] = await Promise.all([success('poll:alpha'), success('poll:beta')]);
    expect(alpha.length + beta.length).toBe(1);
    const after = await taskDetail(task.id);
    expect(after).toMatchObject({ status: 'resolved', occurrences: 3, failingOperations: [] });
    expect(after.history.filter((h: { action: string }) => h.action === 'resolved')).toHaveLength(1);
  });
});
