import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { signSlackRequest } from '../../test-support/fake-slack/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { signTestkit, testkit, TESTKIT_DELIVERY_HEADER, TESTKIT_SIGNATURE_HEADER } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { listen, type HttpServer } from '../server/http-server.ts';
import { webhookListener } from './webhook.listener.ts';

// Signed deliveries whose body is not what the headers say, over a real server with the Node
// listener in front: none may be answered 2xx without being stored (the sender would not send it
// again), nor be blamed on the secret.

const SECRET = 'hook-secret-123';
const SIGNING_SECRET = 'slack-signing-secret-0123456789';

describe.each(RUNTIME_MODES)('webhook bodies as they come ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let server: HttpServer;
  let kitId = '';
  let slackId = '';

  beforeAll(async () => {
    test = await startTestHub({ label: 'webhook_body_encodings', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
    server = await listen(test.app, 0, '127.0.0.1', await webhookListener(test.hub));
    kitId = (await createTestkitIntegration(test, tenant, `encodings-${options.database}`)).id;
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'slack', name: 'Slack', config: { slackApiUrl: 'http://127.0.0.1:9/api/' }, credentials: { botToken: 'xoxb-1234567890-abcdefgh', signingSecret: SIGNING_SECRET } },
    });
    expect(created.status).toBe(201);
    slackId = (await created.json()).id;
  });
  afterAll(async () => {
    await server?.close(1_000);
    await test?.close();
  });

  const hook = (id: string) => `http://127.0.0.1:${server.port}/hooks/${id}`;
  const storedSlackEvents = async (eventId: string) =>
    (await test.hub.db.selectFrom('integration_events').select('dedupe_key').where('integration_id', '=', slackId).execute()).filter((row) => row.dedupe_key.startsWith(eventId));
  const postSlack = (body: string, contentType: string) =>
    fetch(hook(slackId), { method: 'POST', headers: { 'content-type': contentType, ...signSlackRequest(SIGNING_SECRET, body) }, body });

  it('answers a signed Slack body it cannot read 400 invalid_payload, and stores nothing', async () => {
    const response = await postSlack('{"type":"event_callback","event_id":"Ev-cut","event":{"type":"message"', 'application/json');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_payload');
    expect(await storedSlackEvents('Ev-cut')).toEqual([]);
  });

  it('stores a signed Slack event whose Content-Type a proxy changed', async () => {
    const response = await postSlack(JSON.stringify({ type: 'event_callback', event_id: 'Ev-text-plain', event: { type: 'message', text: 'hello' } }), 'text/plain; charset=utf-8');
    expect(response.status).toBe(202);
    expect(((await response.json()) as { accepted: number }).accepted).toBe(1);
    expect(await storedSlackEvents('Ev-text-plain')).toHaveLength(1);
  });

  it('answers a compressed body 415, not 401 signature_invalid', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'f-gzip' });
    const response = await fetch(hook(kitId), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', [TESTKIT_SIGNATURE_HEADER]: signTestkit(SECRET, body), [TESTKIT_DELIVERY_HEADER]: 'd-gzip' },
      body: gzipSync(body),
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ code: 'unsupported_media_type', message: expect.stringContaining('uncompressed') });
  });
});
