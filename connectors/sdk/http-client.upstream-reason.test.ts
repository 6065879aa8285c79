import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { UpstreamAuth } from './credentials.ts';
import { ConnectorError } from './failure.ts';
import { sequence, type RecordedRequest, type Reply, serversClosedAfterEach } from './scripted-server.testing.ts';
import { testClient } from './test-client.testing.ts';

// A refused request fails with the upstream's own words after the status, so an operator reads
// "answered 403: Operation Failed: Data Policy Exception: …" and not the status alone; never with
// a credential in them, whatever the upstream echoes back.

const PASSWORD = 'canary-password-7f3a';
const TOKEN = 'canary-access-token-c4d8';
const QUERY_KEY = 'canary-query-value-a1b2';

const serve = serversClosedAfterEach();

async function failureOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => expect.fail('expected the request to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe("an upstream's reason for refusing", () => {
  it('a ServiceNow 403 names error.message and error.detail', async () => {
    // ASSUMPTION (the fact sheet gives no error body): ServiceNow refuses with {"error":{"message","detail"},"status":"failure"}.
    const upstream = await serve(
      sequence({ status: 403, body: { error: { message: 'Operation Failed', detail: 'Data Policy Exception: The following fields are mandatory: Resolution code' }, status: 'failure' } }),
    );
    const { client } = testClient(upstream.url);
    const error = await failureOf(client.request({ method: 'PATCH', url: '/api/now/table/incident/abc', json: { state: '6' } }));
    expect(error).toMatchObject({ code: 'permission_denied', status: 403 });
    expect(error.message).toBe('PATCH /api/now/table/incident/abc answered 403: Operation Failed: Data Policy Exception: The following fields are mandatory: Resolution code');
  });

  it('a 400 with a multi-line, very long detail stays one line of bounded length', async () => {
    const upstream = await serve(sequence({ status: 400, body: { error: { message: 'Invalid query', detail: `bad clause\n${'q'.repeat(5000)}` } } }));
    const { client } = testClient(upstream.url);
    const error = await failureOf(client.request({ url: '/api/now/table/incident' }));
    expect(error.message).toMatch(/^GET \/api\/now\/table\/incident answered 400: Invalid query: bad clause q+…$/);
    expect(error.message).not.toContain('\n');
    expect(error.message.length).toBeLessThanOrEqual('GET /api/now/table/incident answered 400: '.length + 300);
  });

  it("a proxy's HTML error page adds nothing", async () => {
    const upstream = await serve(sequence({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html><h1>Bad Gateway</h1></html>' }));
    const { client } = testClient(upstream.url, { retry: { attempts: 1 } });
    const error = await failureOf(client.request({ url: '/api/now/table/incident' }));
    expect(error.message).toBe('GET /api/now/table/incident answered 502');
  });

  it("the last attempt's reason is the one reported", async () => {
    const upstream = await serve(
      sequence({ status: 503, body: { error: { message: 'first answer' } } }, { status: 500, body: { error: { message: 'Internal server error', detail: 'second answer' } } }),
    );
    const { client } = testClient(upstream.url, { retry: { attempts: 2 } });
    const error = await failureOf(client.request({ url: '/a' }));
    expect(error.message).toBe('GET /a answered 500: Internal server error: second answer');
  });

  it("a connector's own reader turns its upstream's error shape into the reason", async () => {
    const upstream = await serve(sequence({ status: 409, body: { fault: { text: 'the record is locked by another update' } } }));
    const { client } = testClient(upstream.url, { errorReason: ({ json }) => (json as { fault?: { text?: string } } | undefined)?.fault?.text });
    const error = await failureOf(client.request({ method: 'POST', url: '/a', json: {} }));
    expect(error.message).toBe('POST /a answered 409: the record is locked by another update');
  });
});

describe('no credential reaches the reason', () => {
  /** An upstream that says no with everything it was sent: headers, query and body. */
  const echo =
    (status: number) =>
    (request: RecordedRequest): Reply => ({
      status,
      body: {
        error: {
          message: `denied for ${String(request.headers['authorization'] ?? request.headers['x-api-key'])} at ${request.url}`,
          detail: `body ${request.body}; key ${QUERY_KEY}`,
        },
      },
    });

  const credentials: Array<[string, UpstreamAuth, string[]]> = [
    ['basic', { type: 'basic', username: 'svc-grc', password: PASSWORD }, [PASSWORD, Buffer.from(`svc-grc:${PASSWORD}`).toString('base64')]],
    ['bearer', { type: 'bearer', token: TOKEN }, [TOKEN]],
    ['api_key', { type: 'api_key', key: TOKEN }, [TOKEN]],
  ];

  it.each(credentials)('%s: the upstream echoes the Authorization header, the query and the body', async (_kind, auth, canaries) => {
    const upstream = await serve(echo(403));
    const { client, logger } = testClient(upstream.url, { auth });
    const error = await failureOf(client.request({ method: 'POST', url: '/api/now/table/incident', query: { key: QUERY_KEY }, json: { note: PASSWORD, token: TOKEN } }));
    expect(error.message).toMatch(/^POST \/api\/now\/table\/incident answered 403: denied for /);
    expect(error.message).toContain('[redacted]');
    const rendered = [error.message, error.stack, inspect(error, { depth: 10 }), JSON.stringify(error), JSON.stringify(logger.entries)].join('\n');
    for (const canary of [...canaries, QUERY_KEY]) expect(rendered).not.toContain(canary);
  });

  it('an api_key sent in its own header is removed too', async () => {
    const upstream = await serve(echo(401));
    const { client } = testClient(upstream.url, { auth: { type: 'api_key', key: TOKEN }, apiKeyHeader: 'x-api-key' });
    const error = await failureOf(client.request({ url: '/a' }));
    expect(error.message).toContain('denied for [redacted]');
    expect(error.message).not.toContain(TOKEN);
  });

  it("an OAuth client's secret, refresh token and password are removed though never sent to the API", async () => {
    const secrets = { clientSecret: 'canary-client-secret-91b2', refreshToken: 'canary-refresh-token-e5f6', password: PASSWORD };
    const tokenEndpoint = await serve(sequence({ status: 200, body: { access_token: TOKEN, expires_in: 1800 } }));
    const upstream = await serve(sequence({ status: 403, body: { error: { message: `configured with ${secrets.clientSecret} ${secrets.refreshToken} ${secrets.password}` } } }));
    const { client } = testClient(upstream.url, {
      auth: { type: 'oauth2', grant: 'password', clientId: 'hub-client', username: 'svc-grc', ...secrets },
      oauth2: { tokenUrl: `${tokenEndpoint.url}/oauth_token.do`, authorizationMethod: 'body' },
    });
    const error = await failureOf(client.request({ url: '/a' }));
    expect(error.message).toBe('GET /a answered 403: configured with [redacted] [redacted] [redacted]');
  });
});
