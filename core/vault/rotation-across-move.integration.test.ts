import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { basicCredentials, createServiceNowIntegration } from '../../test-support/servicenow-integration.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { createApiToken } from '../auth/api-token.service.ts';

// A pending rotation was checked against the host the integration pointed at when it was requested.
// A move to another host while no credentials are stored (the state a guarded move leaves behind,
// filled "by a rotation a second admin approves") supersedes it, as a move that clears credentials
// does: approving it would send the secret checked against host B to host C, chosen by the approver.

describe('a pending rotation across a move of an integration without stored credentials', () => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;
  let listener: Server;
  let listenerUrl = '';
  const received: string[] = [];

  beforeAll(async () => {
    fake = await startFakeServiceNow({ auth: { basic: { user: 'svc-grc', pass: 'secret-for-host-b-4242' } } });
    // Someone else's host: it records the Authorization header of whatever comes.
    listener = createServer((request, response) => {
      received.push(request.headers.authorization ?? '');
      response.writeHead(401).end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerUrl = `http://127.0.0.1:${(listener.address() as { port: number }).port}`;
    test = await startTestHub({ label: 'vault_move_pending', database: 'postgres', queue: 'bullmq' });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
    await fake?.close();
    await new Promise((resolve) => listener?.close(resolve));
  });

  it('does not apply the rotation to the new host', async () => {
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    // Host A, then the guarded move to host B clears the stored credentials.
    const { id } = await createServiceNowIntegration(test, tenant, { name: 'move-twice', instanceUrl: 'http://localhost:9', credentials: basicCredentials('svc-grc', 'password-of-host-a-1111') });
    const movedToB = await test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { config: { instanceUrl: fake.url } } });
    expect(movedToB.status).toBe(200);
    expect((await movedToB.json()).credentials.set).toBe(false);

    // Admin 1 requests the rotation for host B: its check passes there.
    const requested = await test.request('post', `/api/integrations/${id}/credentials/rotate`, { token: tenant.tokens.admin, body: { credentials: basicCredentials('svc-grc', 'secret-for-host-b-4242'), reason: 'new instance' } });
    expect(requested.status).toBe(202);
    const rotationId = (await requested.json()).rotation.id;

    // A second admin points the integration at host C (no credentials stored: nothing refuses it)...
    const other = (await createApiToken(test.hub.db, { tenantId: tenant.id, role: 'admin', name: 'other-admin', createdBy: 'test' })).token;
    const movedToC = await test.request('patch', `/api/integrations/${id}`, { token: other, body: { config: { instanceUrl: listenerUrl } } });
    expect(movedToC.status).toBe(200);

    // ...and approves admin 1's rotation, which was checked against host B only.
    const approved = await test.request('post', `/api/integrations/${id}/credentials/rotations/${rotationId}/approve`, { token: other });
    expect(approved.status).toBe(409);
    await test.request('post', `/api/integrations/${id}/check`, { token: tenant.tokens.operator });
    // The secret checked against host B must never reach host C.
    expect(received.map((header) => Buffer.from(header.replace(/^Basic /, ''), 'base64').toString())).toEqual([]);
  });
});
