import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { signTestkit, testkit, TESTKIT_ANSWER_HEADER, TESTKIT_DELIVERY_HEADER, TESTKIT_SIGNATURE_HEADER } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { listen, type HttpServer } from '../server/http-server.ts';
import { webhookListener } from './webhook.listener.ts';

const SECRET = 'hook-secret-123';

describe.each(RUNTIME_MODES)('webhooks in on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let server: HttpServer;
  let integration: { id: string };

  beforeAll(async () => {
    test = await startTestHub({ label: 'hooks', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
    // Wired as the hub wires it: the Node listener takes deliveries ahead of Hono.
    server = await listen(test.app, 0, '127.0.0.1', await webhookListener(test.hub));
    integration = await createTestkitIntegration(test, tenant, `hooks-${Math.random()}`);
  });
  afterAll(async () => {
    await server?.close(1_000);
    await test?.close();
  });

  function deliver(body: string, headers: Record<string, string> = {}, id = integration.id) {
    return fetch(`http://127.0.0.1:${server.port}/hooks/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TESTKIT_SIGNATURE_HEADER]: signTestkit(SECRET, body), ...headers },
      body,
    });
  }

  async function eventsWith(externalId: string) {
    return test.hub.db.selectFrom('integration_events').selectAll().where('integration_id', '=', integration.id).where('external_id', '=', externalId).execute();
  }

  it('verifies, stores the event before answering 202, and routes it asynchronously', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'f-1', data: { severity: 'high' } });
    const response = await deliver(body, { [TESTKIT_DELIVERY_HEADER]: 'd-1' });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { accepted: number; eventIds: string[] };
    expect(answer).toMatchObject({ accepted: 1, duplicates: 0 });
    const [event] = await eventsWith('f-1');
    expect(event).toMatchObject({ id: answer.eventIds[0], source: 'webhook', type: 'finding.created', payload: { severity: 'high' } });
    await waitFor('the event to be routed', async () => (await eventsWith('f-1'))[0]?.status === 'processed');
  });

  it('stores a delivery for a tenant with no route as processed at once: there is nothing to route', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'f-unrouted' });
    expect((await deliver(body, { [TESTKIT_DELIVERY_HEADER]: 'd-unrouted' })).status).toBe(202);
    const [event] = await eventsWith('f-unrouted');
    expect(event).toMatchObject({ status: 'processed', attempts: 0 });
  });

  it('stores a redelivery once, by delivery id or else by body hash', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'f-2' });
    expect(await (await deliver(body, { [TESTKIT_DELIVERY_HEADER]: 'd-2' })).json()).toMatchObject({ accepted: 1 });
    expect(await (await deliver(body, { [TESTKIT_DELIVERY_HEADER]: 'd-2' })).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    const anonymous = JSON.stringify({ type: 'finding.created', id: 'f-3' });
    await deliver(anonymous);
    await deliver(anonymous);
    expect(await eventsWith('f-2')).toHaveLength(1);
    expect(await eventsWith('f-3')).toHaveLength(1);
  });

  it('stores deliveries for a paused or disabled integration: pausing holds what the hub sends, not what it receives', async () => {
    const held = await createTestkitIntegration(test, tenant, `hooks-held-${Math.random()}`);
    const send = (id: string) => deliver(JSON.stringify({ type: 'finding.created', id }), { [TESTKIT_DELIVERY_HEADER]: id }, held.id);
    const heldEvents = () => test.hub.db.selectFrom('integration_events').select('external_id').where('integration_id', '=', held.id).orderBy('external_id').execute();
    expect((await test.request('post', `/api/integrations/${held.id}/pause`, { token: tenant.tokens.operator, body: {} })).status).toBe(200);
    expect((await send('while-paused')).status).toBe(202);
    expect((await test.request('patch', `/api/integrations/${held.id}`, { token: tenant.tokens.admin, body: { enabled: false } })).status).toBe(200);
    // The ingest reads integrations through a cache of a few seconds; the answer must not change either way.
    expect((await send('while-disabled')).status).toBe(202);
    expect((await heldEvents()).map((row) => row.external_id)).toEqual(['while-disabled', 'while-paused']);
  });

  it('keeps exactly one event when 1,000 copies of one delivery arrive at once, and every answer names it', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'f-storm' });
    const answers = await Promise.all(
      Array.from({ length: 1000 }, () => deliver(body, { [TESTKIT_DELIVERY_HEADER]: 'storm' }).then((r) => r.json() as Promise<{ accepted: number; eventIds: string[] }>)),
    );
    expect(answers.filter((a) => a.accepted === 1)).toHaveLength(1);
    const stored = await eventsWith('f-storm');
    expect(stored).toHaveLength(1);
    // The copy that stored it and the 999 that found it alike: a sender keeps whichever answer reached it.
    expect(new Set(answers.map((a) => JSON.stringify(a.eventIds)))).toEqual(new Set([JSON.stringify([stored[0]!.id])]));
  });

  it('refuses a payload the database cannot store with 400, without failing deliveries that shared its batch', async () => {
    // A NUL character is valid JSON but cannot be stored in PostgreSQL's jsonb (nor PGlite's).
    const poisoned = JSON.stringify({ type: 'finding.created', id: 'f-nul', data: { note: 'bad\u0000note' } });
    const clean = Array.from({ length: 20 }, (_, index) => JSON.stringify({ type: 'finding.created', id: `f-beside-${index}` }));
    const [refused, ...accepted] = await Promise.all([deliver(poisoned, { [TESTKIT_DELIVERY_HEADER]: 'd-nul' }), ...clean.map((body, index) => deliver(body, { [TESTKIT_DELIVERY_HEADER]: `d-beside-${index}` }))]);
    expect(refused!.status).toBe(400);
    expect(((await refused!.json()) as { error: { code: string } }).error.code).toBe('invalid_payload');
    expect(accepted.map((response) => response.status)).toEqual(clean.map(() => 202));
    expect(await eventsWith('f-nul')).toHaveLength(0);
    for (let index = 0; index < clean.length; index++) expect(await eventsWith(`f-beside-${index}`)).toHaveLength(1);
  });

  it('answers 404 to a delivery for an integration deleted moments ago, without failing deliveries that shared its batch', async () => {
    const doomed = await createTestkitIntegration(test, tenant, `doomed-${Math.random()}`);
    // The first delivery puts the integration in the ingest's short-lived cache, where it outlives a
    // deletion by another process (one made through this process's API drops it at once).
    const warm = JSON.stringify({ type: 'finding.created', id: 'f-doomed-warm' });
    expect((await deliver(warm, { [TESTKIT_DELIVERY_HEADER]: 'd-doomed-warm' }, doomed.id)).status).toBe(202);
    await test.hub.db.deleteFrom('integration_configs').where('id', '=', doomed.id).execute();

    const late = JSON.stringify({ type: 'finding.created', id: 'f-doomed-late' });
    const clean = Array.from({ length: 20 }, (_, index) => JSON.stringify({ type: 'finding.created', id: `f-survivor-${index}` }));
    const [gone, ...accepted] = await Promise.all([
      deliver(late, { [TESTKIT_DELIVERY_HEADER]: 'd-doomed-late' }, doomed.id),
      ...clean.map((body, index) => deliver(body, { [TESTKIT_DELIVERY_HEADER]: `d-survivor-${index}` })),
    ]);
    expect(gone!.status).toBe(404);
    expect(((await gone!.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect(accepted.map((response) => response.status)).toEqual(clean.map(() => 202));
    for (let index = 0; index < clean.length; index++) expect(await eventsWith(`f-survivor-${index}`)).toHaveLength(1);
    const orphans = await test.hub.db.selectFrom('integration_events').select('id').where('integration_id', '=', doomed.id).execute();
    expect(orphans).toHaveLength(0);
  });

  it('refuses bad signatures with 401 signature_invalid, stores nothing and counts them', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'f-bad' });
    const forged = await deliver(body, { [TESTKIT_SIGNATURE_HEADER]: signTestkit('wrong-secret', body) });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: { code: 'signature_invalid', runbook: 'runbooks/signature_invalid.md' } });
    const unsigned = await fetch(`http://127.0.0.1:${server.port}/hooks/${integration.id}`, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    expect(await eventsWith('f-bad')).toHaveLength(0);
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(metrics).toMatch(/hub_webhooks_total\{connector="testkit",outcome="rejected_signature"\} 2/);
  });

  it('answers 404 for unknown integrations and 413 for bodies over 1 MB', async () => {
    const body = JSON.stringify({ type: 'x', id: 'y' });
    expect((await deliver(body, {}, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await deliver(body, {}, 'not-a-uuid')).status).toBe(404);
    const huge = JSON.stringify({ type: 'x', id: 'big', data: { blob: 'x'.repeat(1024 * 1024) } });
    const tooLarge = await deliver(huge);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await eventsWith('big')).toHaveLength(0);
    // Rejections are counted among the webhook outcomes, a body too large too.
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(metrics).toMatch(/hub_webhooks_total\{connector="unknown",outcome="too_large"\} 1/);
    expect(metrics).toMatch(/hub_webhooks_total\{connector="unknown",outcome="unknown_integration"\} 2/);
  });

  it('reads a percent-encoded id as the API does, and a malformed one as unknown', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'f-encoded' });
    expect((await deliver(body, { [TESTKIT_DELIVERY_HEADER]: 'd-encoded' }, integration.id.replace(/-/g, '%2D'))).status).toBe(202);
    expect(await eventsWith('f-encoded')).toHaveLength(1);
    expect((await deliver(body, {}, '%E0%A4%A')).status).toBe(404);
  });

  it('refuses an oversized body that announces no length (chunked) with 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 20) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(`http://127.0.0.1:${server.port}/hooks/${integration.id}`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('shrugs off a sender that hangs up mid-body: nothing stored, the next delivery goes through', async () => {
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /hooks/${integration.id} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"type":"finding.created","id":"cut`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    const body = JSON.stringify({ type: 'finding.created', id: 'after-cut' });
    expect((await deliver(body, { [TESTKIT_DELIVERY_HEADER]: 'd-after-cut' })).status).toBe(202);
    expect(await eventsWith('cut')).toHaveLength(0);
    expect(await eventsWith('after-cut')).toHaveLength(1);
  });

  it('answers 500 with the request id when storing fails, and keeps serving', async () => {
    // A hub whose database refuses every query: the ingest throws after the body was read.
    const broken = { ...test.hub, db: new Proxy(test.hub.db, { get: () => () => { throw new Error('database unreachable'); } }) };
    const brokenServer = await listen(test.app, 0, '127.0.0.1', await webhookListener(broken));
    try {
      const body = JSON.stringify({ type: 'finding.created', id: 'f-broken' });
      const response = await fetch(`http://127.0.0.1:${brokenServer.port}/hooks/${integration.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'trace-500', [TESTKIT_SIGNATURE_HEADER]: signTestkit(SECRET, body) },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status).toBe(500);
      expect(response.headers.get('x-request-id')).toBe('trace-500');
      expect(await response.json()).toMatchObject({ error: { code: 'internal_error', message: expect.stringContaining('trace-500') } });
    } finally {
      await brokenServer.close(1_000);
    }
    const body = JSON.stringify({ type: 'finding.created', id: 'after-500' });
    expect((await deliver(body, { [TESTKIT_DELIVERY_HEADER]: 'd-after-500' })).status).toBe(202);
  });

  it("sends a connector's synchronous answer with its own headers, the hub's length, and no body where the status allows none", async () => {
    const body = JSON.stringify({ type: 'url.verification', id: 'handshake' });
    const answered = await deliver(body, { [TESTKIT_ANSWER_HEADER]: '200' });
    expect(answered.status).toBe(200);
    expect(answered.headers.get('x-frame-options')).toBe('DENY');
    expect(answered.headers.get('content-length')).toBe(String('challenge-ok'.length));
    expect(await answered.text()).toBe('challenge-ok');
    const empty = await deliver(body, { [TESTKIT_ANSWER_HEADER]: '204' });
    expect(empty.status).toBe(204);
    expect(empty.headers.get('content-length')).toBeNull();
    expect(await empty.text()).toBe('');
    expect(await eventsWith('handshake')).toHaveLength(0);
  });

  it('gives deliveries what every response has: a request id, security headers and a metrics sample', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'f-headers' });
    const response = await deliver(body, { 'x-request-id': 'trace-abc.1', [TESTKIT_DELIVERY_HEADER]: 'd-headers' });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-request-id')).toBe('trace-abc.1');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-type')).toBe('application/json');
    const fresh = await deliver(body, { 'x-request-id': 'bad id with spaces' });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(metrics).toMatch(/hub_http_request_duration_seconds_count\{method="POST",route="\/hooks\/:integrationId",status="202"\} \d+/);
  });

  it('leaves other methods and deeper paths under /hooks to the API (JSON 404)', async () => {
    const deeper = await fetch(`http://127.0.0.1:${server.port}/hooks/${integration.id}/extra`, { method: 'POST', body: '{}' });
    expect(deeper.status).toBe(404);
    expect(await deeper.json()).toMatchObject({ error: { code: 'not_found' } });
    const get = await fetch(`http://127.0.0.1:${server.port}/hooks/${integration.id}`);
    expect(get.status).toBe(404);
  });
});
