import { expect } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../fake-servicenow/index.ts';
import { startTestHub, type TestHub, type TestTenant } from '../test-hub.ts';
import { createTestUser, type TestUser } from './admin-server.ts';
import { CookieClient } from './cookie-client.ts';
import { basicCredentials, createServiceNowIntegration } from '../servicenow-integration.ts';

// The world the admin UI's in-process HTTP tests share: a hub on PostgreSQL, two tenants, an
// admin and an operator of the first, a ServiceNow integration in each (the first with a name
// that must be escaped), and a fake ServiceNow instance for credential checks.

export interface AdminHttpFixture {
  test: TestHub;
  acme: TestTenant;
  other: TestTenant;
  admin: TestUser;
  operator: TestUser;
  acmeIntegration: string;
  otherIntegration: string;
  fake: FakeServiceNow;
  /** A cookie client signed in as `user`. */
  signIn(user: TestUser, workspace?: string, headers?: Record<string, string>): Promise<CookieClient>;
  close(): Promise<void>;
}

export async function createServiceNowViaApi(test: TestHub, tenant: TestTenant, name: string, instanceUrl = 'http://127.0.0.1:9'): Promise<string> {
  return (await createServiceNowIntegration(test, tenant, { name, environment: 'staging', instanceUrl, credentials: basicCredentials('svc', 'super-secret-password') })).id;
}

export async function startAdminHttpFixture(label: string): Promise<AdminHttpFixture> {
  const test = await startTestHub({ label, database: 'postgres', queue: 'memory' });
  const fake = await startFakeServiceNow({ auth: { basic: { user: 'svc', pass: 'next-password-long-2222' } } });
  const acme = await test.createTenant('acme');
  const other = await test.createTenant('other');
  return {
    test,
    fake,
    acme,
    other,
    admin: await createTestUser(test.hub.db, acme.id, 'admin'),
    operator: await createTestUser(test.hub.db, acme.id, 'operator'),
    acmeIntegration: await createServiceNowViaApi(test, acme, 'SN <script>alert(1)</script>'),
    otherIntegration: await createServiceNowViaApi(test, other, 'Other tenant SN'),
    async signIn(user, workspace = 'acme', headers = {}) {
      const client = new CookieClient(test.app, { headers });
      await client.get(`/admin/login?workspace=${workspace}`);
      const response = await client.post('/admin/login', { email: user.email, password: user.password, workspace });
      expect(response.status, response.body).toBe(303);
      return client;
    },
    async close() {
      await test.close();
      await fake.close();
    },
  };
}
