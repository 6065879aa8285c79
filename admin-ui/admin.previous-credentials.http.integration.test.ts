import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { basicCredentials, createServiceNowIntegration } from '../test-support/servicenow-integration.ts';

// The credentials page says while a replaced webhook secret is still accepted, and lets an admin
// stop it (core/integrations/previous-credentials.ts).

let fx: AdminHttpFixture;

beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_previous_credentials');
});
afterAll(async () => {
  await fx?.close();
});

const STOP_BUTTON = 'Stop accepting it now';

async function integrationWithReplacedSecret(name: string): Promise<string> {
  const oldSecret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
  const newSecret = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
  const { id } = await createServiceNowIntegration(fx.test, fx.acme, { name, instanceUrl: fx.fake.url, credentials: basicCredentials('svc', 'super-secret-password', oldSecret) });
  const patched = await fx.test.request('patch', `/api/integrations/${id}`, { token: fx.acme.tokens.admin, body: { credentials: basicCredentials('svc', 'super-secret-password', newSecret) } });
  expect(patched.status).toBe(200);
  return id;
}

describe('admin UI: the replaced webhook secret', () => {
  it('shows until when the replaced secret is accepted; an admin stops it, and the history says so', async () => {
    const id = await integrationWithReplacedSecret('previous-secret-admin');
    const client = await fx.signIn(fx.admin);
    const page = await client.get(`/admin/integrations/${id}/credentials`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Replaced secret');
    expect(page.body).toContain(STOP_BUTTON);
    expect(page.body).not.toContain('whsec_');

    const stopped = await client.post(`/admin/integrations/${id}/credentials/previous/revoke`);
    expect(stopped.status).toBe(303);
    expect(stopped.location).toBe(`/admin/integrations/${id}/credentials?notice=previous_revoked`);
    const after = await client.get(stopped.location!);
    expect(after.body).toContain('refused from now on');
    expect(after.body).not.toContain(STOP_BUTTON);
    expect(after.body).toContain('Replaced secret no longer accepted for webhooks');
    const api = await (await fx.test.request('get', `/api/integrations/${id}`, { token: fx.acme.tokens.viewer })).json();
    expect(api.credentials.previousAcceptedUntil).toBeNull();
  });

  it('shows operators the window without the button, and refuses their stop', async () => {
    const id = await integrationWithReplacedSecret('previous-secret-operator');
    const client = await fx.signIn(fx.operator);
    const page = await client.get(`/admin/integrations/${id}/credentials`);
    expect(page.body).toContain('Replaced secret');
    expect(page.body).not.toContain(STOP_BUTTON);
    const refused = await client.post(`/admin/integrations/${id}/credentials/previous/revoke`);
    expect(refused.status).toBe(403);
    const api = await (await fx.test.request('get', `/api/integrations/${id}`, { token: fx.acme.tokens.viewer })).json();
    expect(api.credentials.previousAcceptedUntil).not.toBeNull();
  });
});
