import { startFakeServiceNow, type FakeServiceNow } from './fake-servicenow/index.ts';
import { startTestHub, type TestHub, type TestHubOptions, type TestTenant } from './test-hub.ts';

/** The password the fake instance takes for the user `svc-grc`. */
export const SERVICENOW_PASSWORD = 'correct-horse';

export interface ServiceNowWorld {
  test: TestHub;
  tenant: TestTenant;
  fake: FakeServiceNow;
  close(): Promise<void>;
}

/**
 * What the ServiceNow end-to-end tests share: a fake instance with basic auth (`svc-grc`,
 * SERVICENOW_PASSWORD), a hub consuming its own queues, and a tenant `acme`.
 */
export async function startServiceNowWorld(options: TestHubOptions): Promise<ServiceNowWorld> {
  const fake = await startFakeServiceNow({ auth: { basic: { user: 'svc-grc', pass: SERVICENOW_PASSWORD } } });
  const test = await startTestHub({ ...options, workers: true });
  const tenant = await test.createTenant('acme');
  return {
    test,
    tenant,
    fake,
    async close() {
      await test.close();
      await fake.close();
    },
  };
}
