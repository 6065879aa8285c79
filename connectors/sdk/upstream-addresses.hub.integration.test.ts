import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, TEST_MASTER_KEYS, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { sequence, serversClosedAfterEach } from './scripted-server.testing.ts';

// The security review's reproduction through the API: an admin points a ServiceNow integration at
// a local server that redirects into the hub's own network, and a check answers with what it
// found there. A hub in production (the default HUB_UPSTREAM_ADDRESSES) does not connect.

const startServer = serversClosedAfterEach();
let test: TestHub;
let tenant: TestTenant;

beforeAll(async () => {
  test = await startTestHub({ label: 'upstream-addresses', database: 'pglite', env: { NODE_ENV: 'production', HUB_MASTER_KEYS: TEST_MASTER_KEYS } });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
});

const create = (instanceUrl: string) =>
  test.request('post', '/api/integrations', {
    token: tenant.tokens.admin,
    body: { connector: 'servicenow', name: `SN ${instanceUrl}`, config: { instanceUrl }, credentials: { auth: { type: 'basic', username: 'svc', password: 'pw-123456' } } },
  });

describe('upstream addresses through the API (NODE_ENV=production, default policy)', () => {
  it('refuses an instanceUrl naming cloud instance metadata by IP with a field error', async () => {
    for (const instanceUrl of ['https://169.254.169.254', 'https://[fd00:ec2::254]', 'https://[::ffff:169.254.169.254]']) {
      const response = await create(instanceUrl);
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error.fields).toEqual([expect.objectContaining({ path: 'body.config.instanceUrl', message: expect.stringMatching(/^must not name .*which the hub does not call$/) })]);
    }
  });

  it('accepts an on-prem instance on a private address', async () => {
    expect((await create('https://10.0.0.1')).status).toBe(201);
  });

  it('a check of an instance on loopback connects nowhere and says why, the same for every port', async () => {
    const internal = await startServer(sequence({ status: 403, body: { error: { message: 'INTERNAL-METADATA AccessKeyId=AKIA' } } }));
    const messages: string[] = [];
    for (const instanceUrl of [internal.url, 'http://127.0.0.1:5432', 'http://[::1]:6379']) {
      const created = await (await create(instanceUrl)).json();
      const check = await (await test.request('post', `/api/integrations/${created.id}/check`, { token: tenant.tokens.operator })).json();
      expect(check).toMatchObject({ ok: false, error: { code: 'config_invalid' } });
      expect(JSON.stringify(check)).not.toContain('INTERNAL-METADATA');
      messages.push(check.error.message.replace(/\[::1\]|127\.0\.0\.1/, 'LOOPBACK'));
    }
    expect(internal.requests).toHaveLength(0);
    expect(messages[0]).toMatch(/was not sent: LOOPBACK is a loopback address, which the hub does not call in production \(HUB_UPSTREAM_ADDRESSES=private\)/);
    expect(new Set(messages).size).toBe(1);
  });
});
