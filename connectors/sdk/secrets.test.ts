import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { OAuth2Auth, UpstreamAuth } from './credentials.ts';
import { sequence, startServer, type Reply, serversClosedAfterEach } from './scripted-server.testing.ts';
import { testClient } from './test-client.testing.ts';

// Errors end up in run rows, tasks, Slack alerts and logs: none of them may carry a credential.
// Canary values are planted in every credential and the upstreams echo everything back.

const PASSWORD = 'canary-password-7f3a';
const SECRET = 'canary-client-secret-91b2';
const TOKEN = 'canary-access-token-c4d8';
const REFRESH = 'canary-refresh-token-e5f6';
const QUERY_KEY = 'canary-query-value-a1b2';
const basicHeader = `Basic ${Buffer.from(`svc-grc:${PASSWORD}`).toString('base64')}`;
const CANARIES = [PASSWORD, SECRET, TOKEN, REFRESH, QUERY_KEY, basicHeader, basicHeader.slice(6)];

const serve = serversClosedAfterEach();

/** An upstream that answers `status` with the request's headers and body in its body. */
const echo =
  (status: number, contentType = 'application/json') =>
  (request: { headers: Record<string, unknown>; body: string; url: string }): Reply => ({
    status,
    headers: { 'content-type': contentType, 'x-echo-authorization': String(request.headers['authorization'] ?? '') },
    body:
      contentType === 'application/json'
        ? { error: { message: `denied for ${String(request.headers['authorization'])}`, detail: request.body, url: request.url } }
        : `<html>denied for ${String(request.headers['authorization'])} at ${request.url}: ${request.body}</html>`,
  });

function expectNoCanary(error: unknown, logged: unknown): void {
  const rendered = [
    error instanceof Error ? error.message : '',
    error instanceof Error ? (error.stack ?? '') : '',
    String(error),
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
    JSON.stringify(logged),
  ].join('\n');
  for (const canary of CANARIES) expect(rendered).not.toContain(canary);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the request to fail'),
    (e: unknown) => e,
  );
}

const staticCredentials: Array<[string, UpstreamAuth]> = [
  ['basic', { type: 'basic', username: 'svc-grc', password: PASSWORD }],
  ['bearer', { type: 'bearer', token: TOKEN }],
  ['api_key', { type: 'api_key', key: TOKEN }],
];

describe('no credential in errors or logs', () => {
  for (const [kind, auth] of staticCredentials) {
    it.each([400, 401, 403, 404, 429, 500, 503])(`${kind}: an upstream echoing the Authorization header in a %i`, async (status) => {
      const upstream = await serve(echo(status));
      const { client, logger } = testClient(upstream.url, { auth, retry: { attempts: 2 } });
      const error = await caught(client.request({ method: 'POST', url: '/api/now/table/incident', json: { note: PASSWORD }, query: { key: QUERY_KEY }, retry: true }));
      expectNoCanary(error, logger.entries);
    });

    it(`${kind}: an upstream echoing it in a 200 that is not JSON`, async () => {
      const upstream = await serve(echo(200, 'text/html'));
      const { client, logger } = testClient(upstream.url, { auth });
      const error = await caught(client.request({ url: '/api/now/table/incident', query: { key: QUERY_KEY } }));
      expect(error).toMatchObject({ code: 'upstream_bad_response' });
      expectNoCanary(error, logger.entries);
    });
  }

  it('network errors and timeouts do not quote the URL query or the request', async () => {
    const silent = await serve(sequence({ status: 200, hang: true }));
    const { client, logger } = testClient(silent.url, { auth: { type: 'bearer', token: TOKEN }, retry: { attempts: 2 } });
    expectNoCanary(await caught(client.request({ url: '/a', query: { key: QUERY_KEY }, timeoutMs: 50 })), logger.entries);

    const refused = await serve(sequence({ status: 200 }));
    await refused.close();
    const second = testClient(refused.url, { auth: { type: 'basic', username: 'svc-grc', password: PASSWORD }, retry: { attempts: 2 } });
    expectNoCanary(await caught(second.client.request({ url: `/a?key=${QUERY_KEY}` })), second.logger.entries);
  });

  describe('oauth2', () => {
    const oauth: OAuth2Auth = {
      type: 'oauth2',
      grant: 'password',
      clientId: 'hub-client',
      clientSecret: SECRET,
      username: 'svc-grc',
      password: PASSWORD,
      refreshToken: REFRESH,
    };

    async function oauthClient(tokenScript: Parameters<typeof startServer>[0], upstreamScript: Parameters<typeof startServer>[0], grant: 'password' | 'refresh_token' = 'password') {
      const tokenEndpoint = await serve(tokenScript);
      const upstream = await serve(upstreamScript);
      return testClient(upstream.url, {
        auth: { ...oauth, grant },
        oauth2: { tokenUrl: `${tokenEndpoint.url}/oauth_token.do?tenant=${QUERY_KEY}`, authorizationMethod: 'body' },
        retry: { attempts: 2 },
      });
    }

    const tokenEcho =
      (status: number, contentType: string) =>
      (request: { body: string }): Reply => ({
        status,
        headers: { 'content-type': contentType },
        body: JSON.stringify({ error: 'invalid_grant', error_description: `bad request: ${request.body}` }),
      });

    for (const grant of ['password', 'refresh_token'] as const) {
      it.each([
        [400, 'application/json'],
        [401, 'text/plain'],
        [403, 'application/json'],
        [500, 'application/json'],
        [200, 'text/html'],
      ])(`${grant}: a token endpoint echoing the form body in a %i (%s)`, async (status, contentType) => {
        const { client, logger } = await oauthClient(tokenEcho(status, contentType), sequence({ status: 200, body: {} }), grant);
        expectNoCanary(await caught(client.request({ url: '/a' })), logger.entries);
      });
    }

    it('an upstream echoing the bearer access token', async () => {
      const { client, logger } = await oauthClient(sequence({ status: 200, body: { access_token: TOKEN, refresh_token: REFRESH, expires_in: 1800 } }), echo(401));
      expectNoCanary(await caught(client.request({ url: '/a' })), logger.entries);
    });

    it('an unreachable token endpoint', async () => {
      const tokenEndpoint = await serve(sequence({ status: 200 }));
      await tokenEndpoint.close();
      const upstream = await serve(sequence({ status: 200, body: {} }));
      const { client, logger } = testClient(upstream.url, {
        auth: oauth,
        oauth2: { tokenUrl: `${tokenEndpoint.url}/oauth_token.do`, authorizationMethod: 'body' },
        retry: { attempts: 2 },
      });
      expectNoCanary(await caught(client.request({ url: '/a' })), logger.entries);
    });
  });
});
