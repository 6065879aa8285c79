import { expect } from 'vitest';
import { SERVICENOW_SCHEDULES_OFF } from './schedules-off.ts';
import type { TestHub, TestTenant } from './test-hub.ts';

export interface ServiceNowIntegrationOptions {
  name: string;
  instanceUrl: string;
  /** The credentials object as the API takes it: `auth` and, for pushes, `webhookSecret`. */
  credentials: Record<string, unknown>;
  /** Config beside `instanceUrl` (`pageSize`, `tables`, …). */
  config?: Record<string, unknown>;
  /** The API's default (production) when left out. */
  environment?: 'staging' | 'production';
}

/** Basic-auth credentials as the API takes them. */
export function basicCredentials(username: string, password: string, webhookSecret?: string): Record<string, unknown> {
  return { auth: { type: 'basic', username, password }, ...(webhookSecret === undefined ? {} : { webhookSecret }) };
}

/**
 * A ServiceNow integration made through the API, with its schedules off so only the test's own
 * syncs poll. Fails the test with the API's answer when it is refused.
 */
export async function createServiceNowIntegration(test: TestHub, tenant: TestTenant, options: ServiceNowIntegrationOptions) {
  const response = await test.request('post', '/api/integrations', {
    token: tenant.tokens.admin,
    body: {
      connector: 'servicenow',
      name: options.name,
      ...(options.environment === undefined ? {} : { environment: options.environment }),
      config: { instanceUrl: options.instanceUrl, ...options.config },
      credentials: options.credentials,
      schedules: SERVICENOW_SCHEDULES_OFF,
    },
  });
  expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
  return response.json();
}
