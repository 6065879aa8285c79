import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { createApiToken } from '../../core/auth/api-token.service.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { signTestkit, testkit, testkitUpstream, TESTKIT_SIGNATURE_HEADER } from '../../test-support/testkit-connector.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { routeTable } from './route-table.ts';
import { answerOf, contractProblems } from '../../test-support/openapi-contract.ts';

// Drives every route through ordinary use and its usual failures, and checks each answer against
// the served OpenAPI document (status declared, body matching its schema).

let test: TestHub;
let home: TestTenant;
const problems: string[] = [];
const seen = new Set<string>();

async function call(method: string, route: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await test.request(method, path, options);
  const answer = await answerOf(response);
  seen.add(`${method.toUpperCase()} ${route}`);
  problems.push(...contractProblems(method, route, answer));
  return answer as { status: number; body: any };
}

beforeAll(async () => {
  test = await startTestHub({ label: 'openapi_answers', connectors: [...connectors, testkit], workers: true });
  home = await test.createTenant('home');
}, 120_000);
afterAll(async () => {
  await test?.close();
});

describe('every answer of every route fits the OpenAPI document', () => {
  it('drives the API', async () => {
    const { admin, operator, viewer } = home.tokens;
    const second = (await createApiToken(test.hub.db, { tenantId: home.id, role: 'admin', name: 'second', createdBy: 'other-person' })).token;
    await call('get', '/api/health', '/api/health');
    // (GET /api/openapi.json: see openapi.undeclared.integration.test.ts)
    await call('get', '/api/connectors', '/api/connectors', { token: viewer });

    const create = (name: string, extra: Record<string, unknown> = {}) =>
      call('post', '/api/integrations', '/api/integrations', {
        token: admin,
        body: { connector: 'testkit', name, environment: 'staging', config: { dataset: 'contract' }, credentials: { auth: { type: 'bearer', token: 'kit-token-123456' }, webhookSecret: 'hook-secret-123' }, schedules: { items: { enabled: false } }, ...extra },
      });
    const created = await create('contract');
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await create('contract'); // 409 name taken
    await create('expiring', { credentialsExpiresAt: '2030-01-01T00:00:00Z' });
    await call('get', '/api/integrations', '/api/integrations', { token: viewer });
    await call('get', '/api/integrations', '/api/integrations?environment=staging&connector=testkit', { token: viewer });
    await call('get', '/api/integrations/:id', `/api/integrations/${id}`, { token: viewer });
    await call('get', '/api/integrations/:id', `/api/integrations/${crypto.randomUUID()}`, { token: viewer });
    await call('patch', '/api/integrations/:id', `/api/integrations/${id}`, { token: admin, body: { name: 'contract-renamed', config: { pageSize: 3 } } });
    await call('patch', '/api/integrations/:id', `/api/integrations/${id}`, { token: admin, body: { credentials: { auth: { type: 'bearer', token: 'kit-token-abcdef' }, webhookSecret: 'hook-secret-456' }, credentialsExpiresAt: '2031-01-01T00:00:00Z' } });
    await call('post', '/api/integrations/:id/check', `/api/integrations/${id}/check`, { token: operator });
    testkitUpstream('contract').failures.push({ code: 'auth_invalid' });
    await call('post', '/api/integrations/:id/check', `/api/integrations/${id}/check`, { token: operator });

    // A poll that fails opens a task and records a failure event.
    testkitUpstream('contract').records.set('a', { title: 'one' });
    const ok = await call('post', '/api/integrations/:id/sync', `/api/integrations/${id}/sync`, { token: operator, body: {} });
    const runId = ok.body.runs[0].id as string;
    await waitFor('run', async () => ['succeeded', 'failed'].includes((await test.request('get', `/api/runs/${runId}`, { token: viewer }).then((r) => r.json())).status));
    testkitUpstream('contract').failures.push({ code: 'permission_denied' });
    const failing = await call('post', '/api/integrations/:id/sync', `/api/integrations/${id}/sync`, { token: operator, body: { stream: 'items', mode: 'full' } });
    const failingId = failing.body.runs[0].id as string;
    await waitFor('failed run', async () => (await test.request('get', `/api/runs/${failingId}`, { token: viewer }).then((r) => r.json())).status === 'failed');
    await call('post', '/api/integrations/:id/sync', `/api/integrations/${id}/sync`, { token: operator, body: { stream: 'nope' } });
    await call('post', '/api/integrations/:id/pause', `/api/integrations/${id}/pause`, { token: operator });
    await call('post', '/api/integrations/:id/resume', `/api/integrations/${id}/resume`, { token: operator });

    await call('get', '/api/runs', '/api/runs', { token: viewer });
    const runs = await call('get', '/api/runs', `/api/runs?integrationId=${id}&status=failed&kind=poll&stream=items&errorCode=permission_denied&limit=1`, { token: viewer });
    await call('get', '/api/runs/:id', `/api/runs/${runId}`, { token: viewer });
    await call('get', '/api/runs/:id', `/api/runs/${failingId}`, { token: viewer });
    if (runs.body.runs?.[0]) await call('get', '/api/runs', `/api/runs?before=${encodeURIComponent(runs.body.runs[0].queuedAt)}&beforeId=${runs.body.runs[0].id}`, { token: viewer });

    // A webhook event, and a route to act on it.
    const target = (await create('contract-target')).body.id as string;
    const routeCreated = await call('post', '/api/routes', '/api/routes', { token: admin, body: { name: 'r', filter: { sourceIntegrationId: id, eventType: 'thing.*' }, targetIntegrationId: target, action: 'record', inputTemplate: { message: '{{event.type}}' } } });
    const routeId = routeCreated.body.id as string;
    await call('post', '/api/routes', '/api/routes', { token: admin, body: { name: 'bad', targetIntegrationId: target, action: 'nope' } });
    await call('get', '/api/routes', '/api/routes', { token: viewer });
    await call('get', '/api/routes/:id', `/api/routes/${routeId}`, { token: viewer });
    await call('patch', '/api/routes/:id', `/api/routes/${routeId}`, { token: admin, body: { enabled: true, name: 'r2' } });
    const hookBody = JSON.stringify({ type: 'thing.created', id: 'x1', data: { a: 1 } });
    const hook = await test.request('post', `/hooks/${id}`, { body: hookBody, headers: { [TESTKIT_SIGNATURE_HEADER]: signTestkit('hook-secret-456', hookBody) } });
    expect(hook.status, await hook.clone().text()).toBe(202);

    const events = await call('get', '/api/events', '/api/events', { token: viewer });
    await call('get', '/api/events', `/api/events?integrationId=${id}&type=thing.*&status=processed&source=webhook`, { token: viewer });
    for (const event of events.body.events ?? []) await call('get', '/api/events/:id', `/api/events/${event.id}`, { token: viewer });
    const webhookEvent = (events.body.events ?? []).find((e: any) => e.source === 'webhook');
    if (webhookEvent) {
      await call('post', '/api/events/:id/replay', `/api/events/${webhookEvent.id}/replay`, { token: operator });
      await call('get', '/api/events', `/api/events?runId=${runId}`, { token: viewer });
    }
    await call('post', '/api/events/:id/replay', `/api/events/${crypto.randomUUID()}/replay`, { token: operator });

    const tasks = await call('get', '/api/tasks', '/api/tasks', { token: viewer });
    await call('get', '/api/tasks', `/api/tasks?status=unresolved&integrationId=${id}&environment=staging&code=permission_denied`, { token: viewer });
    for (const task of tasks.body.tasks ?? []) {
      await call('get', '/api/tasks/:id', `/api/tasks/${task.id}`, { token: viewer });
      await call('post', '/api/tasks/:id/ack', `/api/tasks/${task.id}/ack`, { token: operator, body: { note: 'seen' } });
      await call('post', '/api/tasks/:id/ack', `/api/tasks/${task.id}/ack`, { token: operator });
      await call('post', '/api/tasks/:id/resolve', `/api/tasks/${task.id}/resolve`, { token: operator, body: { note: 'done' } });
      await call('post', '/api/tasks/:id/resolve', `/api/tasks/${task.id}/resolve`, { token: operator });
      await call('get', '/api/tasks/:id', `/api/tasks/${task.id}`, { token: viewer });
    }

    // Credentials: rotation applied, then waiting for approval, rejected and approved.
    const credentials = { auth: { type: 'bearer', token: 'kit-token-rotated' } };
    await call('post', '/api/integrations/:id/credentials/rotate', `/api/integrations/${id}/credentials/rotate`, { token: admin, body: { credentials, reason: 'r', expiresAt: '2032-01-01T00:00:00Z' } });
    testkitUpstream('contract').failures.push({ code: 'auth_invalid' });
    await call('post', '/api/integrations/:id/credentials/rotate', `/api/integrations/${id}/credentials/rotate`, { token: admin, body: { credentials } });
    await call('get', '/api/tenant/settings', '/api/tenant/settings', { token: admin });
    await call('patch', '/api/tenant/settings', '/api/tenant/settings', { token: admin, body: { requireRotationApproval: true } });
    await call('patch', '/api/integrations/:id', `/api/integrations/${id}`, { token: admin, body: { credentials } });
    const pending = await call('post', '/api/integrations/:id/credentials/rotate', `/api/integrations/${id}/credentials/rotate`, { token: admin, body: { credentials } });
    const rid = pending.body.rotation?.id as string;
    await call('get', '/api/integrations/:id/credentials/rotations', `/api/integrations/${id}/credentials/rotations`, { token: admin });
    await call('post', '/api/integrations/:id/credentials/rotations/:rid/approve', `/api/integrations/${id}/credentials/rotations/${rid}/approve`, { token: admin }); // 403: own
    await call('post', '/api/integrations/:id/credentials/rotations/:rid/reject', `/api/integrations/${id}/credentials/rotations/${rid}/reject`, { token: second });
    await call('post', '/api/integrations/:id/credentials/rotations/:rid/approve', `/api/integrations/${id}/credentials/rotations/${rid}/approve`, { token: second }); // 409 decided
    const again = await call('post', '/api/integrations/:id/credentials/rotate', `/api/integrations/${id}/credentials/rotate`, { token: admin, body: { credentials: { auth: { type: 'bearer', token: 'kit-token-third' } } } });
    await call('post', '/api/integrations/:id/credentials/rotations/:rid/approve', `/api/integrations/${id}/credentials/rotations/${again.body.rotation?.id}/approve`, { token: second });
    await call('get', '/api/integrations/:id/credentials/rotations', `/api/integrations/${id}/credentials/rotations`, { token: admin });
    await call('get', '/api/integrations/:id/credentials/audit', `/api/integrations/${id}/credentials/audit`, { token: operator });
    await call('delete', '/api/integrations/:id/credentials/previous', `/api/integrations/${id}/credentials/previous`, { token: admin });
    // Switching rotation approval off waits for another admin: refused to the requester, cancelled, approved.
    const settingOff = () => call('patch', '/api/tenant/settings', '/api/tenant/settings', { token: admin, body: { requireRotationApproval: false } });
    const change = (await settingOff()).body.change?.id as string;
    const decide = (decision: 'approve' | 'cancel', changeId: string, token: string) =>
      call('post', `/api/tenant/settings/changes/:id/${decision}`, `/api/tenant/settings/changes/${changeId}/${decision}`, { token });
    await call('get', '/api/tenant/settings/changes', '/api/tenant/settings/changes?status=pending_approval', { token: admin });
    await decide('approve', change, admin); // 403: own
    await decide('cancel', change, admin);
    await decide('cancel', change, admin); // 409 decided
    await decide('approve', crypto.randomUUID(), second); // 404
    await decide('approve', (await settingOff()).body.change?.id as string, second);
    await call('get', '/api/tenant/settings/changes', '/api/tenant/settings/changes', { token: admin });
    await call('patch', '/api/tenant/settings', '/api/tenant/settings', { token: admin, body: {} });

    // Tokens, audit, Slack links.
    const token = await call('post', '/api/tokens', '/api/tokens', { token: admin, body: { name: 'reader', role: 'viewer', expiresAt: '2031-01-01T00:00:00Z' } });
    await call('get', '/api/tokens', '/api/tokens', { token: admin });
    await call('get', '/api/tokens/:id', `/api/tokens/${token.body.id}`, { token: admin });
    await call('delete', '/api/tokens/:id', `/api/tokens/${token.body.id}`, { token: admin });
    await call('delete', '/api/tokens/:id', `/api/tokens/${token.body.id}`, { token: admin });
    await call('get', '/api/tokens/:id', `/api/tokens/${token.body.id}`, { token: admin });
    await call('get', '/api/audit', '/api/audit', { token: admin });
    const audit = await call('get', '/api/audit', '/api/audit?limit=2&action=route.created', { token: admin });
    if (audit.body.entries?.[0]) await call('get', '/api/audit', `/api/audit?before=${encodeURIComponent(audit.body.entries[0].createdAt)}&beforeId=${audit.body.entries[0].id}`, { token: admin });
    await test.hub.db.insertInto('users').values({ tenant_id: home.id, email: 'ops@home.example', name: 'Ops', role: 'operator' }).execute();
    const link = await call('post', '/api/slack/links', '/api/slack/links', { token: admin, body: { teamId: 'T1', userId: 'U1', userEmail: 'OPS@home.example' } });
    await call('post', '/api/slack/links', '/api/slack/links', { token: admin, body: { teamId: 'T1', userId: 'U1', userEmail: 'ops@home.example' } });
    await call('get', '/api/slack/links', '/api/slack/links', { token: admin });
    await call('delete', '/api/slack/links/:id', `/api/slack/links/${link.body.id}`, { token: admin });
    await call('delete', '/api/slack/links/:id', `/api/slack/links/${link.body.id}`, { token: admin });

    await call('delete', '/api/routes/:id', `/api/routes/${routeId}`, { token: admin });
    await call('delete', '/api/integrations/:id', `/api/integrations/${id}`, { token: admin });
    await call('post', '/api/integrations/:id/check', `/api/integrations/${id}/check`, { token: operator });

    expect([...new Set(problems)]).toEqual([]);
    const untried = routeTable.map((r) => `${r.method.toUpperCase()} ${r.path}`).filter((label) => label !== 'GET /api/openapi.json' && !seen.has(label));
    expect(untried).toEqual([]);
  });
});
