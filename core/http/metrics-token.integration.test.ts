import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { createProbeApp } from './app.ts';

// /metrics names every tenant's integrations; with HUB_METRICS_TOKEN only its holder reads them,
// from the API and from a worker's probe port alike.

const token = 'scrape-token-0123456789';

describe('/metrics behind HUB_METRICS_TOKEN', () => {
  let test: TestHub;
  let integrationName: string;

  beforeAll(async () => {
    test = await startTestHub({ label: 'metrics_token', connectors: [...connectors, testkit], env: { HUB_METRICS_TOKEN: token } });
    const tenant = await test.createTenant('acme');
    integrationName = (await createTestkitIntegration(test, tenant, `metrics-${Math.random()}`)).name;
  });
  afterAll(async () => {
    await test?.close();
  });

  it('answers 401 with the error shape and no integration to a scrape without the token', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }]) {
      const response = await test.app.request('/metrics', { headers });
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'unauthorized', message: expect.stringContaining('HUB_METRICS_TOKEN') } });
      expect(text).not.toContain(integrationName);
    }
  });

  it('serves the metrics, per-integration series included, to the token holder, on the probe app too', async () => {
    for (const app of [test.app, createProbeApp(test.hub)]) {
      const response = await app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain(`integration="${integrationName}"`);
      expect((await app.request('/metrics')).status).toBe(401);
    }
  });
});
