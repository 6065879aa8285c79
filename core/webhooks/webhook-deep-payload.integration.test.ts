import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { signTestkit, testkit, TESTKIT_SIGNATURE_HEADER } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { listen } from '../server/http-server.ts';
import { webhookListener } from './webhook.listener.ts';

// A verified delivery whose payload nests thousands of levels deep (well under 1 MB) is refused
// with 400 invalid_payload and stored nowhere; deliveries that share its group commit are stored
// as usual. (Hashing it, serialising the batch or PostgreSQL's JSON parser each run out of stack
// at some depth; whichever does, only that delivery is refused.)

const SECRET = 'hook-secret-deep';

describe.each(RUNTIME_MODES)('deeply nested webhook payloads on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let integrationId: string;

  beforeAll(async () => {
    test = await startTestHub({ label: 'webhook_deep_payload', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('deephook');
    integrationId = (await createTestkitIntegration(test, tenant, 'deephook', { credentials: { auth: { type: 'bearer', token: 'kit-token-123456' }, webhookSecret: SECRET } })).id;
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  const deliver = (body: string) => test.request('post', `/hooks/${integrationId}`, { body, headers: { [TESTKIT_SIGNATURE_HEADER]: signTestkit(SECRET, body) } });
  const deep = (id: string, depth: number) => `{"type":"x.deep","id":"${id}","data":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;

  for (const depth of [5_000, 50_000]) {
    it(`refuses a payload nested ${depth} levels deep with 400 invalid_payload, storing nothing`, async () => {
      const response = await deliver(deep(`deep-${depth}`, depth));
      const text = await response.text();
      expect(response.status, text).toBe(400);
      expect(JSON.parse(text).error.code).toBe('invalid_payload');
      const stored = await test.hub.db.selectFrom('integration_events').select('id').where('integration_id', '=', integrationId).where('external_id', '=', `deep-${depth}`).execute();
      expect(stored).toEqual([]);
    });
  }

  it('does not fail the ordinary deliveries that share a commit with a deep one (over HTTP)', async () => {
    // Over the network, as webhooks arrive (webhook.listener.ts); the depth at which the batch's
    // JSON.stringify overflows depends on the stack left, so a few depths are tried.
    const server = await listen(test.app, 0, '127.0.0.1', await webhookListener(test.hub));
    try {
      const post = async (body: string) => {
        const response = await fetch(`http://127.0.0.1:${server.port}/hooks/${integrationId}`, { method: 'POST', headers: { [TESTKIT_SIGNATURE_HEADER]: signTestkit(SECRET, body) }, body });
        return response.status;
      };
      const wrong: string[] = [];
      for (const depth of [3_000, 4_000, 5_000, 6_000, 8_000]) {
        const ordinary = Array.from({ length: 8 }, (_, i) => JSON.stringify({ type: 'x.ok', id: `ok-${depth}-${i}`, data: { i } }));
        const [deepStatus, ...others] = await Promise.all([post(deep(`deep-shared-${depth}`, depth)), ...ordinary.map(post)]);
        if (others.some((status) => status !== 202)) wrong.push(`depth ${depth}: ordinary deliveries answered ${others.join(' ')}`);
        if (deepStatus! >= 500) wrong.push(`depth ${depth}: the deep delivery answered ${deepStatus}`);
      }
      expect(wrong).toEqual([]);
    } finally {
      await server.close(1_000);
    }
  });
});
