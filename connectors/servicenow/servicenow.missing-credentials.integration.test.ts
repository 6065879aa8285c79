import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';

// Missing credentials are named as missing: an integration made without them (or whose credentials
// a move to another host cleared) says it has none, and a change that sends only a webhook secret
// is told that credentials are replaced whole.

describe('ServiceNow integrations without their credentials', () => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;
  beforeAll(async () => {
    fake = await startFakeServiceNow();
    test = await startTestHub({ label: 'servicenow_no_credentials', database: 'pglite' });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
    await fake?.close();
  });

  it('a check (and a poll) of an integration that has none says so', async () => {
    const created = await test.request('post', '/api/integrations', { token: tenant.tokens.admin, body: { connector: 'servicenow', name: 'no credentials', config: { instanceUrl: fake.url }, schedules: SERVICENOW_SCHEDULES_OFF } });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const check = await (await test.request('post', `/api/integrations/${id}/check`, { token: tenant.tokens.operator })).json();
    expect(check).toMatchObject({ ok: false, error: { code: 'config_invalid', message: expect.stringContaining('the integration has no credentials') } });
    expect(fake.requests).toHaveLength(0);
  });

  it('a change sending only the webhook secret is told credentials are replaced whole', async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'servicenow', name: 'with credentials', config: { instanceUrl: fake.url }, credentials: { auth: { type: 'basic', username: 'u', password: 'p-long-enough-1' } }, schedules: SERVICENOW_SCHEDULES_OFF },
    });
    const { id } = await created.json();
    const patched = await test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { credentials: { webhookSecret: `whsec_${randomBytes(32).toString('base64')}` } } });
    expect(patched.status).toBe(400);
    expect((await patched.json()).error.fields).toEqual([
      { path: 'body.credentials.auth', message: 'auth is required: credentials are replaced whole, so send auth (type and secrets) with every change, the webhookSecret too' },
    ]);
    const wrongType = await test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { credentials: { auth: { type: 'ntlm' } } } });
    expect((await wrongType.json()).error.fields[0]).toMatchObject({ path: 'body.credentials.auth.type', message: 'auth.type must be "basic" or "oauth2"' });
  });
});
