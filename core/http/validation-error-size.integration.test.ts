import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { startAdminHttpFixture, type AdminHttpFixture } from '../../test-support/browser/admin-http-fixture.ts';

// A refusal names what was wrong without quoting the request back: a body with tens of thousands
// of unknown keys or bad entries is answered with the first field errors and a count of the rest,
// not megabytes. The project's input walk counts an error answer over 64 KB as an echo.

const MAX_ERROR_CHARS = 64 * 1024;
const keys = (count: number, value: unknown) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}-padding`, value]));

describe('validation errors for bodies with many bad keys', () => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'validation_echo', database: 'pglite', queue: 'memory' });
    tenant = await test.createTenant('echo');
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  const cases: Array<[string, string, unknown]> = [
    ['unknown top-level keys', '/api/tokens', { name: 'x', role: 'viewer', ...keys(40_000, 1) }],
    ['unknown config keys', '/api/integrations', { connector: 'servicenow', name: 'echo', config: { instanceUrl: 'https://acme.service-now.com', ...keys(40_000, 1) } }],
    ['bad schedule entries', '/api/integrations', { connector: 'servicenow', name: 'echo', config: { instanceUrl: 'https://acme.service-now.com' }, schedules: keys(40_000, 1) }],
    ['bad filter fields', '/api/routes', { name: 'r', targetIntegrationId: '7b0c1f6e-3c1d-4f4a-9a51-1c2d3e4f5a6b', action: 'record', filter: { fields: keys(25_000, { a: 1 }) } }],
  ];

  for (const [what, path, body] of cases) {
    it(`answers ${what} with a 400 of bounded size`, async () => {
      const sent = JSON.stringify(body);
      const response = await test.request('post', path, { token: tenant.tokens.admin, body: sent });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect({ sent: sent.length, answered: text.length }).toEqual({ sent: sent.length, answered: expect.toSatisfy((n: number) => n <= MAX_ERROR_CHARS) });
      const { error } = JSON.parse(text) as { error: { message: string; fields: unknown[] } };
      expect(error.fields.length).toBeGreaterThan(0);
      expect(error.fields.length).toBeLessThanOrEqual(20);
    });
  }
});

// The admin UI's error page too: "Run now" with a 200 KB stream name the connector does not have.
describe('admin UI: Run now with a huge stream name', () => {
  let fx: AdminHttpFixture;

  beforeAll(async () => {
    fx = await startAdminHttpFixture('validation_echo_admin');
  }, 120_000);
  afterAll(async () => {
    await fx?.close();
  });

  it('refuses it without quoting it back in bulk', async () => {
    const client = await fx.signIn(fx.admin);
    await client.get(`/admin/integrations/${fx.acmeIntegration}`);
    const answer = await client.post(`/admin/integrations/${fx.acmeIntegration}/sync`, { stream: 'x'.repeat(200_000) });
    expect(answer.status).toBe(400);
    expect(answer.body.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
  });
});
