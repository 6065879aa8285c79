import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { createApiToken } from '../auth/api-token.service.ts';

// A provider that rotates refresh tokens issues a new one on each refresh and revokes the one
// spent. A rotation's check spends the new refresh token it was given: the token the check
// obtained (with its replacement) must be stored with the new credentials, at once or on approval,
// or the integration is locked out by the rotation that reported success. Access tokens here live
// a second, so every check refreshes with the refresh token stored last.

describe.each(RUNTIME_MODES)('rotating to a refresh token of a provider that rotates them ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;

  beforeAll(async () => {
    fake = await startFakeServiceNow({ auth: { oauth: { clientId: 'hub-client', clientSecret: 'client-secret-1', users: { 'svc-grc': 'user-password-1' }, rotateRefreshTokens: true, accessTtlSeconds: 1 } } });
    test = await startTestHub({ label: 'rotation_refresh_token', ...options });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
    await fake?.close();
  });

  /** A refresh token as an admin obtains one by authorising the hub's OAuth client. */
  async function freshRefreshToken(): Promise<string> {
    const response = await fetch(`${fake.url}/oauth_token.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'hub-client', client_secret: 'client-secret-1', username: 'svc-grc', password: 'user-password-1' }).toString(),
    });
    return ((await response.json()) as { refresh_token: string }).refresh_token;
  }
  const oauth = (refreshToken: string) => ({ auth: { type: 'oauth2', grant: 'refresh_token', clientId: 'hub-client', clientSecret: 'client-secret-1', refreshToken } });

  async function integration(owner: TestTenant, name: string): Promise<string> {
    const created = await test.request('post', '/api/integrations', {
      token: owner.tokens.admin,
      body: { connector: 'servicenow', name, config: { instanceUrl: fake.url }, credentials: oauth(await freshRefreshToken()), schedules: SERVICENOW_SCHEDULES_OFF },
    });
    expect(created.status).toBe(201);
    return (await created.json()).id;
  }
  const rotate = async (owner: TestTenant, id: string) =>
    test.request('post', `/api/integrations/${id}/credentials/rotate`, { token: owner.tokens.admin, body: { credentials: oauth(await freshRefreshToken()), reason: 'new refresh token' } });
  async function checkPasses(owner: TestTenant, id: string) {
    const body = await (await test.request('post', `/api/integrations/${id}/check`, { token: owner.tokens.operator })).json();
    expect(body.error).toBeUndefined();
    expect(body.ok).toBe(true);
  }

  it('stays authorised after a rotation applied at once', async () => {
    const id = await integration(tenant, 'refresh-token-rotated');
    const rotated = await rotate(tenant, id);
    expect(rotated.status).toBe(200);
    expect((await rotated.json()).check.ok).toBe(true);
    await checkPasses(tenant, id);
    await checkPasses(tenant, id);
  });

  it('stays authorised after a rotation approved by a second admin', async () => {
    const guarded = await test.createTenant(`guarded-${options.database}`);
    expect((await test.request('patch', '/api/tenant/settings', { token: guarded.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    const approver = (await createApiToken(test.hub.db, { tenantId: guarded.id, role: 'admin', name: 'second-admin', createdBy: 'test' })).token;
    const id = await integration(guarded, 'refresh-token-approved');
    const requested = await rotate(guarded, id);
    expect(requested.status).toBe(202);
    const rotationId = (await requested.json()).rotation.id;
    const approved = await test.request('post', `/api/integrations/${id}/credentials/rotations/${rotationId}/approve`, { token: approver });
    expect(approved.status).toBe(200);
    await checkPasses(guarded, id);
    await checkPasses(guarded, id);
    const rotation = await test.hub.db.selectFrom('credential_rotations').select(['credentials_ciphertext', 'oauth_token_ciphertext']).where('id', '=', rotationId).executeTakeFirstOrThrow();
    // Decided: the rotation keeps neither secret.
    expect(rotation).toEqual({ credentials_ciphertext: null, oauth_token_ciphertext: null });
  });
});
