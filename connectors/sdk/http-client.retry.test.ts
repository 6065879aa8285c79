import { afterEach, describe, expect, it } from 'vitest';
import { sequence, startServer, type ScriptedServer } from './scripted-server.testing.ts';
import { testClient } from './test-client.testing.ts';
import { failureOf } from './connector-failure.testing.ts';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ok = { status: 200, body: { result: [] } };

describe('createHttpClient: retries', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries a GET answered %i and succeeds', async (status) => {
    server = await startServer(sequence({ status }, ok));
    const { client, waits } = testClient(server.url);
    const response = await client.request({ url: '/api/now/table/incident' });
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(2);
    expect(waits).toHaveLength(1);
  });

  it('gives up after the configured attempts with the last failure', async () => {
    server = await startServer(sequence({ status: 503 }));
    const { client, waits } = testClient(server.url, { retry: { attempts: 3 } });
    const error = await failureOf(client.request({ url: '/api/now/table/incident' }));
    expect(error.code).toBe('upstream_unavailable');
    expect(server.requests).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it('backs off exponentially with full jitter between zero and a growing ceiling', async () => {
    server = await startServer(sequence({ status: 502 }));
    const policy = { attempts: 6, minDelayMs: 100, maxDelayMs: 1000 };
    const high = testClient(server.url, { retry: policy, random: () => 0.999 });
    await failureOf(high.client.request({ url: '/a' }));
    expect(high.waits).toEqual([99, 199, 399, 799, 999]);

    const low = testClient(server.url, { retry: policy, random: () => 0 });
    await failureOf(low.client.request({ url: '/a' }));
    expect(low.waits).toEqual([0, 0, 0, 0, 0]);

    const draws = [0.3, 0.9, 0.1, 0.6, 0.5];
    const mixed = testClient(server.url, { retry: policy, random: () => draws.shift() ?? 0 });
    await failureOf(mixed.client.request({ url: '/a' }));
    expect(mixed.waits).toEqual([30, 180, 40, 480, 500]);
  });

  it('waits exactly a Retry-After given in seconds, without jitter', async () => {
    server = await startServer(sequence({ status: 429, headers: { 'retry-after': '7' } }, ok));
    const { client, waits } = testClient(server.url, { random: () => 0.123 });
    await client.request({ url: '/api/now/table/incident' });
    expect(waits).toEqual([7000]);
  });

  it('waits exactly until a Retry-After given as an HTTP date, by the injected clock', async () => {
    const now = new Date('2024-05-01T10:00:00Z');
    server = await startServer(sequence({ status: 503, headers: { 'retry-after': 'Wed, 01 May 2024 10:00:12 GMT' } }, ok));
    const { client, waits } = testClient(server.url, { clock: () => now });
    await client.request({ url: '/api/now/table/incident' });
    expect(waits).toEqual([12_000]);
  });

  it('fails at once with rate_limited and retryAfterMs when Retry-After exceeds the cap', async () => {
    server = await startServer(sequence({ status: 429, headers: { 'retry-after': '3600' } }, ok));
    const { client, waits } = testClient(server.url, { retry: { maxRetryAfterMs: 60_000 } });
    const error = await failureOf(client.request({ url: '/api/now/table/incident' }));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(error.status).toBe(429);
    expect(error.message).toBe('GET /api/now/table/incident answered 429: retry after 3600 s');
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('treats a long Retry-After on a 503 the same way (throttling by 503)', async () => {
    server = await startServer(sequence({ status: 503, headers: { 'retry-after': '120' } }));
    const { client } = testClient(server.url);
    const error = await failureOf(client.request({ url: '/a' }));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(120_000);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a POST by default', async () => {
    server = await startServer(sequence({ status: 503 }, ok));
    const { client, waits } = testClient(server.url);
    const error = await failureOf(client.request({ method: 'POST', url: '/api/now/table/incident', json: {} }));
    expect(error.code).toBe('upstream_unavailable');
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('does not retry a PATCH by default either', async () => {
    server = await startServer(sequence({ status: 502 }, ok));
    const { client } = testClient(server.url);
    await failureOf(client.request({ method: 'PATCH', url: '/x', json: {} }));
    expect(server.requests).toHaveLength(1);
  });

  it('retries a POST that says retry: true (idempotency key)', async () => {
    server = await startServer(sequence({ status: 503 }, { status: 201, body: {} }));
    const { client } = testClient(server.url);
    const response = await client.request({ method: 'POST', url: '/x', json: {}, retry: true });
    expect(response.status).toBe(201);
    expect(server.requests).toHaveLength(2);
  });

  it('retries a POST carrying an Idempotency-Key header', async () => {
    server = await startServer(sequence({ status: 502 }, { status: 201, body: {} }));
    const { client } = testClient(server.url);
    await client.request({ method: 'POST', url: '/x', json: {}, headers: { 'Idempotency-Key': 'route:2' } });
    expect(server.requests).toHaveLength(2);
  });

  it('never retries a GET that says retry: false', async () => {
    server = await startServer(sequence({ status: 503 }, ok));
    const { client } = testClient(server.url);
    await failureOf(client.request({ url: '/x', retry: false }));
    expect(server.requests).toHaveLength(1);
  });

  it('still reports a short Retry-After on a request it will not retry', async () => {
    server = await startServer(sequence({ status: 429, headers: { 'retry-after': '5' } }));
    const { client } = testClient(server.url);
    const error = await failureOf(client.request({ method: 'POST', url: '/x', json: {} }));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(5000);
  });

  it('logs each retry without the query string', async () => {
    server = await startServer(sequence({ status: 503 }, ok));
    const { client, logger } = testClient(server.url);
    await client.request({ url: '/api/now/table/incident', query: { sysparm_query: 'number=INC001' } });
    expect(logger.entries).toHaveLength(1);
    expect(logger.entries[0]?.details).toMatchObject({ code: 'upstream_unavailable', status: 503, attempt: 1 });
    expect(JSON.stringify(logger.entries)).not.toContain('INC001');
  });
});
