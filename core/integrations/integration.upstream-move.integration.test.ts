import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { basicCredentials, createServiceNowIntegration } from '../../test-support/servicenow-integration.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { createApiToken } from '../auth/api-token.service.ts';

// Credentials are write-only. Pointing an integration at another host would send the stored secret
// there on its next check or poll, so the change must bring credentials for that host.

describe.each(RUNTIME_MODES)('moving an integration to another host ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;
  let listener: Server;
  let listenerUrl = '';
  const received: string[] = [];

  beforeAll(async () => {
    fake = await startFakeServiceNow({ auth: { basic: { user: 'svc-grc', pass: 'stored-password-4242' } } });
    // Someone else's host: it records the Authorization header of whatever comes.
    listener = createServer((request, response) => {
      received.push(request.headers.authorization ?? '');
      response.writeHead(401).end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerUrl = `http://127.0.0.1:${(listener.address() as { port: number }).port}`;
    test = await startTestHub({ label: 'upstream_move', ...options });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
    await fake?.close();
    await new Promise((resolve) => listener?.close(resolve));
  });

  const patch = (id: string, body: unknown) => test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body });

  it('is refused without credentials, and the stored secret goes nowhere', async () => {
    const { id } = await createServiceNowIntegration(test, tenant, { name: 'move-refused', instanceUrl: fake.url, credentials: basicCredentials('svc-grc', 'stored-password-4242') });
    const refused = await patch(id, { config: { instanceUrl: listenerUrl } });
    expect(refused.status).toBe(400);
    const body = await refused.json();
    expect(body.error).toMatchObject({ code: 'validation_failed', fields: [{ path: 'body.credentials', message: expect.stringContaining(listenerUrl) }] });
    expect(JSON.stringify(body)).not.toContain('stored-password');
    const check = await (await test.request('post', `/api/integrations/${id}/check`, { token: tenant.tokens.operator })).json();
    expect(check.ok).toBe(true);
    expect(received).toEqual([]);
  });

  it('drops the stored credentials where new ones need approval, and takes the new host\'s by an approved rotation', async () => {
    const guarded = await test.createTenant(`move-guarded-${options.database}`);
    expect((await test.request('patch', '/api/tenant/settings', { token: guarded.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    const { id } = await createServiceNowIntegration(test, guarded, { name: 'move-guarded', instanceUrl: listenerUrl, credentials: basicCredentials('svc-grc', 'password-of-the-old-host') });
    const moved = await test.request('patch', `/api/integrations/${id}`, { token: guarded.tokens.admin, body: { config: { instanceUrl: fake.url } } });
    expect(moved.status).toBe(200);
    expect((await moved.json()).credentials).toMatchObject({ set: false, hint: null });
    const audit = (await (await test.request('get', `/api/integrations/${id}/credentials/audit`, { token: guarded.tokens.operator })).json()).entries;
    expect(audit[0]).toMatchObject({ action: 'cleared', oldFingerprint: expect.stringMatching(/^fp_/) });

    const requested = await test.request('post', `/api/integrations/${id}/credentials/rotate`, { token: guarded.tokens.admin, body: { credentials: basicCredentials('svc-grc', 'stored-password-4242'), reason: 'new instance' } });
    expect(requested.status).toBe(202);
    const approver = (await createApiToken(test.hub.db, { tenantId: guarded.id, role: 'admin', name: 'second-admin', createdBy: 'test' })).token;
    const approved = await test.request('post', `/api/integrations/${id}/credentials/rotations/${(await requested.json()).rotation.id}/approve`, { token: approver });
    expect(approved.status).toBe(200);
    expect((await (await test.request('post', `/api/integrations/${id}/check`, { token: guarded.tokens.operator })).json()).ok).toBe(true);
    expect(received).toEqual([]);
  });

  it('supersedes a rotation pending for one host when the integration, holding no credentials, moves to another', async () => {
    // After a guarded move the integration holds none: nothing refuses the next move, but a rotation
    // checked against the first host must not be approved for the second, chosen by the approver.
    const guarded = await test.createTenant(`move-twice-${options.database}`);
    expect((await test.request('patch', '/api/tenant/settings', { token: guarded.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    const { id } = await createServiceNowIntegration(test, guarded, { name: 'move-twice', instanceUrl: 'http://localhost:9', credentials: basicCredentials('svc-grc', 'password-of-the-old-host') });
    expect((await test.request('patch', `/api/integrations/${id}`, { token: guarded.tokens.admin, body: { config: { instanceUrl: fake.url } } })).status).toBe(200);
    const requested = await test.request('post', `/api/integrations/${id}/credentials/rotate`, { token: guarded.tokens.admin, body: { credentials: basicCredentials('svc-grc', 'stored-password-4242'), reason: 'new instance' } });
    expect(requested.status).toBe(202);

    const other = (await createApiToken(test.hub.db, { tenantId: guarded.id, role: 'admin', name: 'other-admin', createdBy: 'test' })).token;
    expect((await test.request('patch', `/api/integrations/${id}`, { token: other, body: { config: { instanceUrl: listenerUrl } } })).status).toBe(200);
    const approved = await test.request('post', `/api/integrations/${id}/credentials/rotations/${(await requested.json()).rotation.id}/approve`, { token: other });
    expect(approved.status).toBe(409);
    await test.request('post', `/api/integrations/${id}/check`, { token: guarded.tokens.operator });
    expect(received).toEqual([]);
  });

  it('is made with credentials for the new host, and other config changes need none', async () => {
    const { id } = await createServiceNowIntegration(test, tenant, { name: 'move-allowed', instanceUrl: fake.url, credentials: basicCredentials('svc-grc', 'stored-password-4242') });
    expect((await patch(id, { config: { pageSize: 50 } })).status).toBe(200);
    // A URL the same host answers is no move.
    expect((await patch(id, { config: { instanceUrl: `${fake.url}/` } })).status).toBe(200);
    const moved = await patch(id, { config: { instanceUrl: listenerUrl }, credentials: basicCredentials('svc-grc', 'password-for-the-new-host') });
    expect(moved.status).toBe(200);
    expect((await moved.json()).config.instanceUrl).toBe(listenerUrl);
  });
});
