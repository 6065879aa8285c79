import { expect } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { startTestHub, type TestHub, type TestHubOptions, type TestResponse, type TestTenant } from '../../test-support/test-hub.ts';
import { createApiToken } from '../auth/api-token.service.ts';

// What the credential rotation tests share: a hub (on PostgreSQL unless asked), a tenant with a second admin
// token, and a fake ServiceNow instance whose basic auth accepts only the rotated-to password.

/** The only password the fake instance accepts: a rotation to it passes its connection check. */
export const ACCEPTED_PASSWORD = 'new-password-two-2222';

export interface RotationWorld {
  test: TestHub;
  tenant: TestTenant;
  fake: FakeServiceNow;
  /** An admin token of another person than the tenant's own admin token. */
  secondAdmin: string;
  basic(password: string): { auth: { type: 'basic'; username: string; password: string } };
  /** A ServiceNow integration with an old password the fake refuses. */
  createIntegration(name: string, expiresAt?: string): ReturnType<TestResponse['json']>;
  rotate(id: string, password: string, token?: string, extra?: Record<string, unknown>): ReturnType<TestHub['request']>;
  /** The credential audit entries of the integration, newest first. */
  auditOf(id: string): ReturnType<TestResponse['json']>;
  close(): Promise<void>;
}

export async function startRotationWorld(label: string, options: Pick<TestHubOptions, 'workers' | 'database' | 'queue'> = {}): Promise<RotationWorld> {
  const fake = await startFakeServiceNow({ auth: { basic: { user: 'svc-grc', pass: ACCEPTED_PASSWORD } } });
  const test = await startTestHub({ label, database: 'postgres', queue: 'memory', ...options });
  const tenant = await test.createTenant('acme');
  const secondAdmin = (await createApiToken(test.hub.db, { tenantId: tenant.id, role: 'admin', name: 'second-admin', createdBy: 'test' })).token;
  const basic = (password: string) => ({ auth: { type: 'basic' as const, username: 'svc-grc', password } });
  return {
    test,
    tenant,
    fake,
    secondAdmin,
    basic,
    async createIntegration(name, expiresAt) {
      const response = await test.request('post', '/api/integrations', {
        token: tenant.tokens.admin,
        body: { connector: 'servicenow', name, config: { instanceUrl: fake.url }, credentials: basic('old-password-one-1111'), schedules: SERVICENOW_SCHEDULES_OFF, ...(expiresAt ? { credentialsExpiresAt: expiresAt } : {}) },
      });
      expect(response.status).toBe(201);
      return response.json();
    },
    rotate: (id, password, token = tenant.tokens.admin, extra = {}) =>
      test.request('post', `/api/integrations/${id}/credentials/rotate`, { token, body: { credentials: basic(password), reason: 'quarterly', ...extra } }),
    auditOf: async (id) => (await (await test.request('get', `/api/integrations/${id}/credentials/audit`, { token: tenant.tokens.operator })).json()).entries,
    async close() {
      await test.close();
      await fake.close();
    },
  };
}
