import { afterEach, describe, expect, it } from 'vitest';
import type { OAuth2Auth, OAuthToken } from './credentials.ts';
import { createInMemoryTokenStore } from './in-memory-token-store.ts';
import { sequence, startServer, type RecordedRequest, type Reply, type ScriptedServer } from './scripted-server.testing.ts';
import { testClient } from './test-client.testing.ts';

// The HTTP client with OAuth2: a local token endpoint and a local upstream that accepts only
// the tokens it is told are valid.

let tokenEndpoint: ScriptedServer | undefined;
let upstream: ScriptedServer | undefined;
afterEach(async () => {
  await tokenEndpoint?.close();
  await upstream?.close();
  tokenEndpoint = upstream = undefined;
});

const auth: OAuth2Auth = { type: 'oauth2', grant: 'password', clientId: 'hub-client', clientSecret: 'client-s3cret', username: 'svc-grc', password: 'user-p4ss' };
const ok: Reply = { status: 200, body: { result: [] } };

/** Issues at-1, at-2, … one per token request. */
function issuingTokens(delayMs?: number): (request: unknown, index: number) => Reply {
  return (_request, index) => ({
    status: 200,
    body: { access_token: `at-${index + 1}`, refresh_token: `rt-${index + 1}`, expires_in: 1800 },
    ...(delayMs === undefined ? {} : { delayMs }),
  });
}

/** 200 for the accepted tokens, 401 for any other. */
function acceptingOnly(...tokens: string[]): (request: RecordedRequest) => Reply {
  return (request) => (tokens.some((t) => request.headers.authorization === `Bearer ${t}`) ? ok : { status: 401, body: { error: { message: 'User Not Authenticated' } } });
}

function oauthClient(extra: { store?: ReturnType<typeof createInMemoryTokenStore>; auth?: OAuth2Auth } = {}) {
  if (tokenEndpoint === undefined || upstream === undefined) throw new Error('start both servers first');
  return testClient(upstream.url, {
    auth: extra.auth ?? auth,
    oauth2: { tokenUrl: `${tokenEndpoint.url}/oauth_token.do`, authorizationMethod: 'body' },
    ...(extra.store === undefined ? {} : { tokenStore: extra.store }),
  });
}

describe('createHttpClient with OAuth2', () => {
  it('sends the access token as a bearer token and reuses it', async () => {
    tokenEndpoint = await startServer(issuingTokens());
    upstream = await startServer(acceptingOnly('at-1'));
    const { client } = oauthClient();
    await client.request({ url: '/api/now/table/incident' });
    await client.request({ url: '/api/now/table/incident' });
    expect(upstream.requests.map((r) => r.headers.authorization)).toEqual(['Bearer at-1', 'Bearer at-1']);
    expect(tokenEndpoint.requests).toHaveLength(1);
  });

  it('after a 401 renews the token once and retries the request once', async () => {
    tokenEndpoint = await startServer(issuingTokens());
    upstream = await startServer(acceptingOnly('at-2'));
    const { client } = oauthClient();
    const response = await client.request({ method: 'POST', url: '/api/now/table/incident', json: {} });
    expect(response.status).toBe(200);
    expect(upstream.requests.map((r) => r.headers.authorization)).toEqual(['Bearer at-1', 'Bearer at-2']);
    expect(tokenEndpoint.requests).toHaveLength(2);
  });

  it('gives up with auth_invalid when the renewed token is refused too', async () => {
    tokenEndpoint = await startServer(issuingTokens());
    upstream = await startServer(acceptingOnly());
    const { client } = oauthClient();
    await expect(client.request({ url: '/api/now/table/incident' })).rejects.toMatchObject({ code: 'auth_invalid', status: 401 });
    expect(upstream.requests).toHaveLength(2);
    expect(tokenEndpoint.requests).toHaveLength(2);
  });

  it('renews at most once per request, even when a 401 comes after a retried 503', async () => {
    tokenEndpoint = await startServer(issuingTokens());
    upstream = await startServer(sequence({ status: 401 }, { status: 503 }, { status: 401 }, ok));
    const { client } = oauthClient();
    await expect(client.request({ url: '/a' })).rejects.toMatchObject({ code: 'auth_invalid' });
    expect(upstream.requests).toHaveLength(3);
    expect(tokenEndpoint.requests).toHaveLength(2);
  });

  it('a long Retry-After on the attempt after a renewal still fails at once with rate_limited', async () => {
    tokenEndpoint = await startServer(issuingTokens());
    upstream = await startServer(sequence({ status: 401 }, { status: 429, headers: { 'retry-after': '900' } }, ok));
    const { client, waits } = oauthClient();
    await expect(client.request({ url: '/a' })).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 900_000 });
    expect(waits).toEqual([]);
    expect(upstream.requests).toHaveLength(2);
  });

  it('twenty concurrent requests with an expired stored token make exactly one token request', async () => {
    tokenEndpoint = await startServer(issuingTokens(30));
    upstream = await startServer(acceptingOnly('at-1'));
    const expired: OAuthToken = { accessToken: 'at-old', refreshToken: 'rt-old', expiresAt: new Date(Date.now() - 60_000) };
    const store = createInMemoryTokenStore(expired);
    const { client } = oauthClient({ store });
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.request({ url: '/api/now/table/incident' })));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(tokenEndpoint.requests).toHaveLength(1);
    expect(upstream.requests).toHaveLength(20);
    expect((await store.load())?.accessToken).toBe('at-1');
  });

  it('twenty concurrent 401s for a revoked (unexpired) token make exactly one renewal', async () => {
    tokenEndpoint = await startServer(issuingTokens(30));
    upstream = await startServer(acceptingOnly('at-1'));
    const revoked: OAuthToken = { accessToken: 'at-revoked', expiresAt: new Date(Date.now() + 600_000) };
    const { client } = oauthClient({ store: createInMemoryTokenStore(revoked) });
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.request({ url: '/a' })));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(upstream.requests.filter((r) => r.headers.authorization === 'Bearer at-revoked')).toHaveLength(20);
    expect(tokenEndpoint.requests).toHaveLength(1);
  });

  it('a refused refresh ends the request with auth_expired without calling the upstream', async () => {
    tokenEndpoint = await startServer(sequence({ status: 400, body: { error: 'invalid_grant' } }));
    upstream = await startServer(sequence(ok));
    const { client, waits } = oauthClient({ auth: { ...auth, grant: 'refresh_token', refreshToken: 'rt-revoked' } });
    await expect(client.request({ url: '/api/now/table/incident' })).rejects.toMatchObject({ code: 'auth_expired' });
    expect(upstream.requests).toHaveLength(0);
    expect(waits).toEqual([]);
  });

  it('a refused password ends the request with auth_invalid without calling the upstream', async () => {
    tokenEndpoint = await startServer(sequence({ status: 400, body: { error: 'invalid_grant' } }));
    upstream = await startServer(sequence(ok));
    const { client, waits } = oauthClient();
    await expect(client.request({ url: '/api/now/table/incident' })).rejects.toMatchObject({ code: 'auth_invalid', status: 400 });
    expect(upstream.requests).toHaveLength(0);
    expect(waits).toEqual([]);
  });

  it('after a 401 renews a password-grant token with its refresh token, not the password', async () => {
    tokenEndpoint = await startServer(issuingTokens());
    upstream = await startServer(acceptingOnly('at-2'));
    const { client } = oauthClient();
    await client.request({ url: '/api/now/table/incident' });
    expect(tokenEndpoint.requests.map((r) => new URLSearchParams(r.body).get('grant_type'))).toEqual(['password', 'refresh_token']);
    expect(new URLSearchParams(tokenEndpoint.requests[1]?.body).get('refresh_token')).toBe('rt-1');
  });

  it('waits out a token endpoint\'s 429 Retry-After before asking again', async () => {
    tokenEndpoint = await startServer(sequence({ status: 429, headers: { 'retry-after': '7' }, body: { error: 'rate' } }, { status: 200, body: { access_token: 'at-1', expires_in: 1800 } }));
    upstream = await startServer(acceptingOnly('at-1'));
    const { client, waits } = oauthClient();
    expect((await client.request({ url: '/api/now/table/incident' })).status).toBe(200);
    expect(waits).toEqual([7000]);
    expect(tokenEndpoint.requests).toHaveLength(2);
  });

  it('a token endpoint\'s long Retry-After fails the request at once with rate_limited, for the runtime to reschedule', async () => {
    tokenEndpoint = await startServer(sequence({ status: 429, headers: { 'retry-after': '900' } }));
    upstream = await startServer(sequence(ok));
    const { client, waits } = oauthClient();
    await expect(client.request({ url: '/a' })).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 900_000 });
    expect(waits).toEqual([]);
    expect(upstream.requests).toHaveLength(0);
  });

  it('retries when the token endpoint is briefly unreachable', async () => {
    tokenEndpoint = await startServer(sequence({ status: 503 }, { status: 200, body: { access_token: 'at-1', expires_in: 1800 } }));
    upstream = await startServer(acceptingOnly('at-1'));
    const { client, waits } = oauthClient();
    expect((await client.request({ url: '/a' })).status).toBe(200);
    expect(waits).toHaveLength(1);
  });
});
