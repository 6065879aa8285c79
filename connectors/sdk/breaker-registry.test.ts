import { afterEach, describe, expect, it } from 'vitest';
import { createBreakerRegistry, type BreakerChange, type BreakerRegistry } from './breaker-registry.ts';
import { ConnectorError } from './failure.ts';
import { sequence, startServer, type ScriptedServer } from './scripted-server.testing.ts';
import { testClient } from './test-client.testing.ts';

let registry: BreakerRegistry | undefined;
let server: ScriptedServer | undefined;
afterEach(async () => {
  registry?.shutdown();
  registry = undefined;
  await server?.close();
  server = undefined;
});

const unavailable = (): Promise<never> => Promise.reject(new ConnectorError('upstream_unavailable', 'GET /x answered 503', { status: 503 }));
const notFound = (): Promise<never> => Promise.reject(new ConnectorError('config_invalid', 'GET /x answered 404', { status: 404 }));

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e instanceof ConnectorError ? e.code : String(e)),
  );
}

describe('createBreakerRegistry', () => {
  it('remembers when each breaker last changed state, with or without a listener', async () => {
    registry = createBreakerRegistry({ volumeThreshold: 3, resetTimeoutMs: 60_000 });
    expect(registry.changedAt('a')).toBeUndefined();
    const before = Date.now();
    for (let i = 0; i < 3; i++) await codeOf(registry.run('a', unavailable));
    expect(registry.state('a')).toBe('open');
    expect(registry.changedAt('a')?.getTime()).toBeGreaterThanOrEqual(before);
    expect(registry.changedAt('b')).toBeUndefined();
  });

  it('opens after repeated transient failures and then fails fast with circuit_open', async () => {
    registry = createBreakerRegistry({ volumeThreshold: 3, resetTimeoutMs: 60_000 });
    for (let i = 0; i < 3; i++) expect(await codeOf(registry.run('a', unavailable))).toBe('upstream_unavailable');
    expect(registry.state('a')).toBe('open');
    let called = false;
    const code = await codeOf(
      registry.run('a', async () => {
        called = true;
      }),
    );
    expect(code).toBe('circuit_open');
    expect(called).toBe(false);
  });

  it('names the last upstream failure behind it, in its refusals and in the change to open', async () => {
    const changes: BreakerChange[] = [];
    registry = createBreakerRegistry({ volumeThreshold: 3, resetTimeoutMs: 60_000, onStateChange: (_key, change) => changes.push(change) });
    const refusedGateway = (): Promise<never> => Promise.reject(new ConnectorError('network_error', 'GET /x: connect ECONNREFUSED 10.0.0.1:443'));
    await codeOf(registry.run('a', unavailable));
    await codeOf(registry.run('a', notFound));
    for (let i = 0; i < 2; i++) await codeOf(registry.run('a', refusedGateway));
    expect(registry.state('a')).toBe('open');
    expect(changes[0]).toMatchObject({ state: 'open', cause: 'network_error: GET /x: connect ECONNREFUSED 10.0.0.1:443' });
    const refusal = await registry.run('a', unavailable).catch((error: unknown) => error as ConnectorError);
    expect(refusal).toMatchObject({
      code: 'circuit_open',
      message: 'circuit of a is open after repeated upstream failures; the last: network_error: GET /x: connect ECONNREFUSED 10.0.0.1:443',
    });
  });

  it('reports every change of state, with when an open breaker lets a trial call through', async () => {
    const changes: Array<{ key: string; state: string; reopensInMs?: number }> = [];
    registry = createBreakerRegistry({
      volumeThreshold: 2,
      resetTimeoutMs: 50,
      onStateChange: (key, change) => changes.push({ key, state: change.state, ...(change.reopensAt ? { reopensInMs: change.reopensAt.getTime() - change.at.getTime() } : {}) }),
    });
    for (let i = 0; i < 2; i++) await codeOf(registry.run('a', unavailable));
    await new Promise((resolve) => setTimeout(resolve, 80));
    await registry.run('a', async () => 'fine');
    expect(changes).toEqual([
      { key: 'a', state: 'open', reopensInMs: 50 },
      { key: 'a', state: 'half_open' },
      { key: 'a', state: 'closed' },
    ]);
  });

  it('keeps one breaker per key', async () => {
    registry = createBreakerRegistry({ volumeThreshold: 2 });
    for (let i = 0; i < 2; i++) await codeOf(registry.run('a', unavailable));
    expect(registry.state('a')).toBe('open');
    expect(registry.state('b')).toBe('closed');
    await expect(registry.run('b', async () => 'fine')).resolves.toBe('fine');
  });

  it('is not opened by answers about our own request (404, 401)', async () => {
    registry = createBreakerRegistry({ volumeThreshold: 3 });
    for (let i = 0; i < 10; i++) expect(await codeOf(registry.run('a', notFound))).toBe('config_invalid');
    await codeOf(registry.run('a', () => Promise.reject(new ConnectorError('auth_invalid', 'GET /x answered 401', { status: 401 }))));
    expect(registry.state('a')).toBe('closed');
  });

  it('is not opened by rate limits: the upstream answers about our pace, it is not unwell', async () => {
    registry = createBreakerRegistry({ volumeThreshold: 3 });
    const throttled = (): Promise<never> => Promise.reject(new ConnectorError('rate_limited', 'GET /x answered 429', { status: 429, retryAfterMs: 2000 }));
    for (let i = 0; i < 10; i++) expect(await codeOf(registry.run('a', throttled))).toBe('rate_limited');
    expect(registry.state('a')).toBe('closed');
  });

  it('half-opens after the reset timeout, lets one trial call through and closes on success', async () => {
    registry = createBreakerRegistry({ volumeThreshold: 2, resetTimeoutMs: 50 });
    for (let i = 0; i < 2; i++) await codeOf(registry.run('a', unavailable));
    expect(registry.state('a')).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(registry.state('a')).toBe('half_open');

    let release: () => void = () => undefined;
    const trial = registry.run('a', () => new Promise<string>((resolve) => (release = () => resolve('trial'))));
    // While the trial call is out, everything else still fails fast.
    expect(await codeOf(registry.run('a', async () => 'second'))).toBe('circuit_open');
    release();
    await expect(trial).resolves.toBe('trial');
    expect(registry.state('a')).toBe('closed');
  });

  it('opens again when the half-open trial fails', async () => {
    registry = createBreakerRegistry({ volumeThreshold: 2, resetTimeoutMs: 30 });
    for (let i = 0; i < 2; i++) await codeOf(registry.run('a', unavailable));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(registry.state('a')).toBe('half_open');
    expect(await codeOf(registry.run('a', unavailable))).toBe('upstream_unavailable');
    expect(registry.state('a')).toBe('open');
  });
});

describe('breaker inside the HTTP client', () => {
  it('counts each attempt: repeated 503s open it and later requests fail fast without reaching the upstream', async () => {
    server = await startServer(sequence({ status: 503 }));
    registry = createBreakerRegistry({ volumeThreshold: 4, resetTimeoutMs: 60_000 });
    const { client } = testClient(server.url, { retry: { attempts: 4 } }, registry);
    expect(await codeOf(client.request({ url: '/api/now/table/incident' }))).toBe('upstream_unavailable');
    expect(server.requests).toHaveLength(4);
    expect(registry.state('integration-under-test')).toBe('open');

    expect(await codeOf(client.request({ url: '/api/now/table/incident' }))).toBe('circuit_open');
    expect(server.requests).toHaveLength(4);
  });

  it('stops retrying as soon as the breaker opens mid-request', async () => {
    server = await startServer(sequence({ status: 502 }));
    registry = createBreakerRegistry({ volumeThreshold: 2 });
    const { client, waits } = testClient(server.url, { retry: { attempts: 5 } }, registry);
    expect(await codeOf(client.request({ url: '/a' }))).toBe('circuit_open');
    expect(server.requests).toHaveLength(2);
    expect(waits).toHaveLength(2);
  });

  it('is not opened by 404s', async () => {
    server = await startServer(sequence({ status: 404 }));
    registry = createBreakerRegistry({ volumeThreshold: 2 });
    const { client } = testClient(server.url, {}, registry);
    for (let i = 0; i < 6; i++) expect(await codeOf(client.request({ url: '/api/now/table/nope' }))).toBe('config_invalid');
    expect(registry.state('integration-under-test')).toBe('closed');
    expect(server.requests).toHaveLength(6);
  });

  it('is not opened by 429s: every request waits out Retry-After and fails rate_limited with it', async () => {
    server = await startServer(sequence({ status: 429, headers: { 'retry-after': '2' } }));
    registry = createBreakerRegistry({ volumeThreshold: 4 });
    const { client, waits } = testClient(server.url, { retry: { attempts: 2 } }, registry);
    for (let i = 0; i < 4; i++) {
      await expect(client.request({ url: '/api/now/table/incident' })).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 2000 });
    }
    expect(registry.state('integration-under-test')).toBe('closed');
    expect(server.requests).toHaveLength(8);
    expect(waits).toEqual([2000, 2000, 2000, 2000]);
  });

  it('is not opened by 503s asking for a longer wait than a run holds: they fail rate_limited, as reported', async () => {
    server = await startServer(sequence({ status: 503, headers: { 'retry-after': '120' } }));
    registry = createBreakerRegistry({ volumeThreshold: 4 });
    const { client } = testClient(server.url, {}, registry);
    for (let i = 0; i < 6; i++) {
      await expect(client.request({ url: '/api/now/table/incident' })).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 120_000 });
    }
    expect(registry.state('integration-under-test')).toBe('closed');
  });

  it('lets a request through after the reset timeout and closes when it succeeds', async () => {
    server = await startServer(sequence({ status: 503 }, { status: 503 }, { status: 200, body: { result: [] } }));
    registry = createBreakerRegistry({ volumeThreshold: 2, resetTimeoutMs: 50 });
    const { client } = testClient(server.url, { retry: { attempts: 2 } }, registry);
    await codeOf(client.request({ url: '/a' }));
    expect(registry.state('integration-under-test')).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 80));
    const response = await client.request({ url: '/a' });
    expect(response.status).toBe(200);
    expect(registry.state('integration-under-test')).toBe('closed');
  });
});
