import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';

describe.each(RUNTIME_MODES)('failures and tasks on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'tasks', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('opens one task per integration and code with its runbook, updates it on repeats, resolves it on success', async () => {
    const dataset = `tasks-${Math.random()}`;
    const upstream = testkitUpstream(dataset);
    upstream.records.set('r1', { n: 1 });
    const integration = await createTestkitIntegration(test, tenant, dataset);

    upstream.failures.push({ code: 'auth_invalid' }, { code: 'auth_invalid' });
    const failed = await syncAndWait(test, tenant, integration.id);
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', attempts: 1 });
    await syncAndWait(test, tenant, integration.id);

    const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', status: 'open', occurrences: 2, severity: 'high' });
    expect(tasks[0].key).toMatch(/^TASK-\d+$/);
    expect(tasks[0].title).toContain(integration.name);

    const failures = await (await test.request('get', `/api/events?integrationId=${integration.id}&type=failure.*`, { token: tenant.tokens.viewer })).json();
    expect(failures.events).toHaveLength(2);
    // The tenant has no route: nothing waits for routing, so the events are stored processed.
    expect(failures.events[0]).toMatchObject({ source: 'system', type: 'failure.auth_invalid', status: 'processed', payload: { code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md' } });

    const health = (await (await test.request('get', `/api/integrations/${integration.id}`, { token: tenant.tokens.viewer })).json()).health;
    expect(health).toMatchObject({ status: 'failing', openTasks: 1, successRate24h: 0 });

    expect(await syncAndWait(test, tenant, integration.id)).toMatchObject({ status: 'succeeded' });
    const after = await (await test.request('get', `/api/tasks/${tasks[0].id}`, { token: tenant.tokens.viewer })).json();
    expect(after).toMatchObject({ status: 'resolved', resolvedBy: 'system' });
    expect(after.history.map((h: { action: string }) => h.action)).toEqual(['opened', 'resolved']);
  });

  it('fails for good after the retries of a transient failure are used up', async () => {
    const dataset = `exhaust-${Math.random()}`;
    const upstream = testkitUpstream(dataset);
    const integration = await createTestkitIntegration(test, tenant, dataset);
    upstream.failures.push(...[1, 2, 3].map(() => ({ code: 'upstream_unavailable' as const, retryAfterMs: 50 })));
    const run = await syncAndWait(test, tenant, integration.id);
    expect(run).toMatchObject({ status: 'failed', errorCode: 'upstream_unavailable', attempts: 3 });
    const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${integration.id}&status=open`, { token: tenant.tokens.viewer })).json();
    expect(tasks.map((t: { code: string }) => t.code)).toEqual(['upstream_unavailable']);
  });

  it('lets operators acknowledge and resolve, recording who and when, and refuses viewers', async () => {
    const dataset = `ack-${Math.random()}`;
    const upstream = testkitUpstream(dataset);
    const integration = await createTestkitIntegration(test, tenant, dataset);
    upstream.failures.push({ code: 'permission_denied' });
    await syncAndWait(test, tenant, integration.id);
    const [task] = (await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json()).tasks;

    expect((await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.viewer })).status).toBe(403);
    const acked = await (await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: { note: 'looking' } })).json();
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'token:acme-operator' });
    expect(acked.acknowledgedAt).not.toBeNull();
    const again = await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator });
    expect(again.status).toBe(409);

    const resolved = await (await test.request('post', `/api/tasks/${task.id}/resolve`, { token: tenant.tokens.operator, body: { note: 'scope granted' } })).json();
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'token:acme-operator' });
    const detail = await (await test.request('get', `/api/tasks/${task.id}`, { token: tenant.tokens.viewer })).json();
    expect(detail.history).toEqual([
      expect.objectContaining({ action: 'opened', actor: 'system' }),
      expect.objectContaining({ action: 'acknowledged', actor: 'token:acme-operator', note: 'looking' }),
      expect.objectContaining({ action: 'resolved', actor: 'token:acme-operator', note: 'scope granted' }),
    ]);
    const { entries } = await (await test.request('get', '/api/audit?action=task.acknowledged', { token: tenant.tokens.admin })).json();
    expect(entries.some((e: { targetId: string }) => e.targetId === task.id)).toBe(true);
  });

  it('answers a failed check with the code and runbook, without opening a task', async () => {
    const dataset = `check-${Math.random()}`;
    const upstream = testkitUpstream(dataset);
    const integration = await createTestkitIntegration(test, tenant, dataset);
    upstream.failures.push({ code: 'auth_invalid' });
    const failed = await (await test.request('post', `/api/integrations/${integration.id}/check`, { token: tenant.tokens.operator })).json();
    expect(failed).toMatchObject({ ok: false, error: { code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md' } });
    const ok = await (await test.request('post', `/api/integrations/${integration.id}/check`, { token: tenant.tokens.operator })).json();
    expect(ok).toMatchObject({ ok: true, detail: '0 records' });
    const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json();
    expect(tasks).toEqual([]);
  });

  it('resolves failure tasks when a check with the stored credentials passes', async () => {
    const dataset = `check-resolves-${Math.random()}`;
    const upstream = testkitUpstream(dataset);
    const integration = await createTestkitIntegration(test, tenant, dataset);
    upstream.failures.push({ code: 'auth_invalid' });
    await syncAndWait(test, tenant, integration.id);
    const ok = await (await test.request('post', `/api/integrations/${integration.id}/check`, { token: tenant.tokens.operator })).json();
    expect(ok.ok).toBe(true);
    const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json();
    expect(tasks.map((t: { status: string }) => t.status)).toEqual(['resolved']);
    const { entries } = await (await test.request('get', '/api/audit?action=integration.checked', { token: tenant.tokens.admin })).json();
    expect(entries.some((e: { targetId: string }) => e.targetId === integration.id)).toBe(true);
  });

  it('resolves the tasks of an integration that is deleted: nothing could resolve them afterwards', async () => {
    const dataset = `deleted-${Math.random()}`;
    const integration = await createTestkitIntegration(test, tenant, dataset);
    testkitUpstream(dataset).failures.push({ code: 'permission_denied' });
    expect(await syncAndWait(test, tenant, integration.id)).toMatchObject({ status: 'failed' });
    const [task] = (await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json()).tasks;
    expect(task).toMatchObject({ status: 'open' });

    expect((await test.request('delete', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin })).status).toBe(204);
    const after = await (await test.request('get', `/api/tasks/${task.id}`, { token: tenant.tokens.viewer })).json();
    expect(after).toMatchObject({ status: 'resolved' });
    expect(after.resolvedBy).toMatch(/^token:/);
    const open = (await (await test.request('get', '/api/tasks?status=open', { token: tenant.tokens.viewer })).json()).tasks;
    expect(open.some((t: { id: string }) => t.id === task.id)).toBe(false);
  });
});
