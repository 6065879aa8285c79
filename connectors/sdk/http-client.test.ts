import { afterEach, describe, expect, it } from 'vitest';
import { createBreakerRegistry } from './breaker-registry.ts';
import { createHttpClient } from './http-client.ts';
import { recordingLogger, sequence, startServer, type ScriptedServer } from './scripted-server.testing.ts';
import { testClient } from './test-client.testing.ts';
import { failureOf } from './connector-failure.testing.ts';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createHttpClient: requests and responses', () => {
  it('appends relative URLs to the base URL path and adds query parameters, skipping undefined', async () => {
    server = await startServer(sequence({ status: 200, body: { result: [] } }));
    const { client } = testClient(`${server.url}/ex/jira/cloud-1/`);
    await client.request({ url: '/rest/api/3/search', query: { jql: 'project = GRC', maxResults: 50, strict: true, startAt: undefined } });
    expect(server.requests[0]?.url).toBe('/ex/jira/cloud-1/rest/api/3/search?jql=project+%3D+GRC&maxResults=50&strict=true');
  });

  it('keeps the query string of an absolute URL (a Link header next page) and merges query parameters into it', async () => {
    server = await startServer(sequence({ status: 200, body: {} }));
    const { client } = testClient('https://unused.example');
    await client.request({ url: `${server.url}/api/now/table/incident?sysparm_offset=100`, query: { sysparm_limit: 100 } });
    expect(server.requests[0]?.url).toBe('/api/now/table/incident?sysparm_offset=100&sysparm_limit=100');
  });

  it('sends JSON bodies and raw bodies', async () => {
    server = await startServer(sequence({ status: 201, body: { result: { sys_id: 'abc' } } }));
    const { client } = testClient(server.url);
    const created = await client.request<{ result: { sys_id: string } }>({
      method: 'POST',
      url: '/api/now/table/incident',
      json: { short_description: 'Access review overdue' },
    });
    expect(created.status).toBe(201);
    expect(created.body.result.sys_id).toBe('abc');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ short_description: 'Access review overdue' });
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');

    await client.request({ method: 'POST', url: '/upload', body: Buffer.from('%PDF-1.7'), headers: { 'Content-Type': 'application/pdf' } });
    expect(server.requests[1]?.body).toBe('%PDF-1.7');
    expect(server.requests[1]?.headers['content-type']).toBe('application/pdf');
  });

  it('sends a POST and a DELETE without a body, ending them at once', async () => {
    server = await startServer(sequence({ status: 200, body: { result: 'queued' } }, { status: 204 }));
    const { client } = testClient(server.url);
    // Only a bound for a regression that would hold the request open waiting for a body; nothing is timed.
    expect((await client.request({ method: 'POST', url: '/api/sn_sc/servicecatalog/items/x/order_now', timeoutMs: 5_000 })).body).toEqual({ result: 'queued' });
    expect((await client.request({ method: 'DELETE', url: '/api/now/table/incident/abc', timeoutMs: 5_000 })).status).toBe(204);
    expect(server.requests.map((request) => [request.method, request.body])).toEqual([
      ['POST', ''],
      ['DELETE', ''],
    ]);
  });

  it('returns lower-cased headers and the final URL', async () => {
    server = await startServer(sequence({ status: 200, body: {}, headers: { 'X-Total-Count': '42', Link: '<https://x/next>; rel="next"' } }));
    const { client } = testClient(server.url);
    const response = await client.request({ url: '/api/now/table/incident' });
    expect(response.headers['x-total-count']).toBe('42');
    expect(response.headers['link']).toBe('<https://x/next>; rel="next"');
    expect(response.url).toBe(`${server.url}/api/now/table/incident`);
  });

  it('parses text and buffer responses, and an empty JSON body as undefined', async () => {
    server = await startServer(sequence({ status: 200, body: 'plain words' }, { status: 200, body: 'bytes' }, { status: 204 }));
    const { client } = testClient(server.url);
    expect((await client.request({ url: '/a', responseType: 'text' })).body).toBe('plain words');
    const buffer = (await client.request({ url: '/b', responseType: 'buffer' })).body;
    expect(Buffer.isBuffer(buffer) && buffer.toString()).toBe('bytes');
    expect((await client.request({ url: '/c' })).body).toBeUndefined();
  });

  it('turns a body that is not JSON into upstream_bad_response', async () => {
    server = await startServer(sequence({ status: 200, body: '<html>Instance hibernating</html>', headers: { 'content-type': 'text/html' } }));
    const { client } = testClient(server.url);
    const error = await failureOf(client.request({ url: '/api/now/table/incident' }));
    expect(error.code).toBe('upstream_bad_response');
    expect(error.message).toBe('GET /api/now/table/incident answered 200 with a body that is not JSON');
  });

  it('asks for JSON unless told otherwise', async () => {
    server = await startServer(sequence({ status: 200, body: {} }));
    const { client } = testClient(server.url);
    await client.request({ url: '/a' });
    expect(server.requests[0]?.headers['accept']).toBe('application/json');
  });
});

describe('createHttpClient: where the credentials go', () => {
  const basic = { type: 'basic', username: 'svc-grc', password: 'secret' } as const;
  let other: ScriptedServer | undefined;
  afterEach(async () => {
    await other?.close();
    other = undefined;
  });

  it('refuses an authenticated request to an absolute URL off the base origin, sending nothing', async () => {
    server = await startServer(sequence({ status: 200, body: {} }));
    other = await startServer(sequence({ status: 200, body: {} }));
    const { client } = testClient(server.url, { auth: basic });
    const error = await failureOf(client.request({ url: `${other.url}/api/now/table/incident?sysparm_offset=100` }));
    expect(error.code).toBe('upstream_bad_response');
    expect(error.message).toBe(`refused to send the integration's credentials to ${other.url}/api/now/table/incident: they only go to ${server.url}`);
    expect(error.transient).toBe(false);
    expect([server.requests, other.requests]).toEqual([[], []]);
  });

  it('keeps a relative path that starts with slashes or a backslash on the base origin', async () => {
    server = await startServer(sequence({ status: 200, body: {} }));
    const { client } = testClient(server.url, { auth: basic });
    for (const url of ['//evil.example/api/now/table/incident', '/\\evil.example/x', '\\evil.example/y']) {
      const response = await client.request({ url });
      expect(new URL(response.url).origin).toBe(server.url);
    }
    expect(server.requests.map((r) => r.url)).toEqual(['/evil.example/api/now/table/incident', '//evil.example/x', '//evil.example/y']);
  });

  it('sends an absolute URL elsewhere when the request carries no integration credentials', async () => {
    server = await startServer(sequence({ status: 200, body: {} }));
    other = await startServer(sequence({ status: 200, body: {} }));
    await testClient(server.url, { auth: basic }).client.request({ url: `${other.url}/api/ok`, authenticate: false });
    await testClient(server.url).client.request({ url: `${other.url}/api/ok` });
    expect(other.requests.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
  });
});

describe('createHttpClient: classification of answers', () => {
  it.each([
    [401, 'auth_invalid'],
    [403, 'permission_denied'],
    [410, 'cursor_expired'],
    [400, 'config_invalid'],
    [404, 'config_invalid'],
    [405, 'config_invalid'],
    [408, 'upstream_unavailable'],
    [409, 'config_invalid'],
    [413, 'config_invalid'],
    [422, 'config_invalid'],
    [418, 'upstream_bad_response'],
    [429, 'rate_limited'],
    [500, 'upstream_unavailable'],
    [502, 'upstream_unavailable'],
    [503, 'upstream_unavailable'],
    [504, 'upstream_unavailable'],
  ] as const)('%i → %s', async (status, code) => {
    server = await startServer(sequence({ status, body: { error: { message: 'nope' } } }));
    const { client } = testClient(server.url, { retry: { attempts: 1 } });
    const error = await failureOf(client.request({ url: '/api/now/table/incident', query: { sysparm_query: 'active=true' } }));
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.message).toBe(`GET /api/now/table/incident answered ${status}: nope`);
  });

  it('does not retry answers that retrying cannot fix', async () => {
    server = await startServer(sequence({ status: 404 }));
    const { client, waits } = testClient(server.url);
    expect((await failureOf(client.request({ url: '/api/now/table/nope' }))).code).toBe('config_invalid');
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});

describe('createHttpClient: network failures', () => {
  it('reports a refused connection as network_error', async () => {
    const closed = await startServer(sequence({ status: 200 }));
    await closed.close();
    const { client } = testClient(closed.url, { retry: { attempts: 2 } });
    const error = await failureOf(client.request({ url: '/api/now/table/incident' }));
    expect(error.code).toBe('network_error');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('times out each attempt and reports network_error', async () => {
    server = await startServer(sequence({ status: 200, hang: true }));
    const { client, waits } = testClient(server.url, { retry: { attempts: 2 } });
    const error = await failureOf(client.request({ url: '/slow', timeoutMs: 100 }));
    expect(error.code).toBe('network_error');
    expect(error.message).toContain('timed out');
    expect(server.requests).toHaveLength(2);
    expect(waits).toHaveLength(1);
  });

  it('cancels an in-flight request when the signal aborts, with the signal reason', async () => {
    const controller = new AbortController();
    // Abort once the server holds the request, not after a fixed delay: a loaded machine may not
    // have sent it within any chosen delay.
    server = await startServer(() => {
      setImmediate(() => controller.abort(new Error('run cancelled')));
      return { status: 200, hang: true };
    });
    const { client } = testClient(server.url, { signal: controller.signal });
    const pending = client.request({ url: '/slow' });
    await expect(pending).rejects.toThrow('run cancelled');
    expect(server.requests).toHaveLength(1);
  });

  it('cancels a wait between attempts when the signal aborts', async () => {
    const controller = new AbortController();
    // Abort shortly after the first answer, when the client is in its backoff.
    server = await startServer(() => {
      setTimeout(() => controller.abort(new Error('shutting down')), 50);
      return { status: 503 };
    });
    // The default, real sleep: a 10 s backoff that the abort must cut short.
    const client = createHttpClient(
      { baseUrl: server.url, breakerKey: 'abort-test', logger: recordingLogger(), signal: controller.signal, random: () => 1, retry: { minDelayMs: 10_000 } },
      createBreakerRegistry(),
    );
    const started = Date.now();
    const pending = client.request({ url: '/busy' });
    await expect(pending).rejects.toThrow('shutting down');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.requests).toHaveLength(1);
  });
});
