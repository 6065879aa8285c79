import { afterEach, describe, expect, it } from 'vitest';
import type { OAuth2Auth, OAuthToken, TokenStore } from './credentials.ts';
import { createInMemoryTokenStore } from './in-memory-token-store.ts';
import { createOAuth2TokenProvider } from './oauth2-token-provider.ts';
import { sequence, startServer, type Reply, type ScriptedServer } from './scripted-server.testing.ts';
import { failureOf } from './connector-failure.testing.ts';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const clientCredentials: OAuth2Auth = { type: 'oauth2', grant: 'client_credentials', clientId: 'hub-client', clientSecret: 'client-s3cret' };
const token = (access: string, extra: Record<string, unknown> = {}): Reply => ({
  status: 200,
  body: { access_token: access, token_type: 'Bearer', expires_in: 1800, ...extra },
});

function form(index: number): URLSearchParams {
  return new URLSearchParams(server?.requests[index]?.body ?? '');
}

function provider(auth: OAuth2Auth, extra: { store?: TokenStore; clock?: () => Date; bodyFormat?: 'form' | 'json'; method?: 'header' | 'body'; timeoutMs?: number } = {}) {
  if (server === undefined) throw new Error('start the token endpoint first');
  return createOAuth2TokenProvider({
    auth,
    endpoint: {
      tokenUrl: `${server.url}/oauth_token.do`,
      authorizationMethod: extra.method ?? 'body',
      ...(extra.bodyFormat === undefined ? {} : { bodyFormat: extra.bodyFormat }),
    },
    store: extra.store,
    clock: extra.clock,
    timeoutMs: extra.timeoutMs,
  });
}

describe('OAuth 2.0 grants against a local token endpoint', () => {
  it('client_credentials: client id and secret in a form-encoded body (authorizationMethod body)', async () => {
    server = await startServer(sequence(token('at-1')));
    const tokens = provider({ ...clientCredentials, scope: 'useraccount' });
    expect(await tokens.accessToken()).toBe('at-1');
    const request = server.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/oauth_token.do');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(form(0))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'hub-client',
      client_secret: 'client-s3cret',
      scope: 'useraccount',
    });
  });

  it('password: username and password from the credential, in the form body', async () => {
    server = await startServer(sequence(token('at-1', { refresh_token: 'rt-1' })));
    const store = createInMemoryTokenStore();
    const tokens = provider({ ...clientCredentials, grant: 'password', username: 'svc-grc', password: 'user-p4ss' }, { store });
    expect(await tokens.accessToken()).toBe('at-1');
    expect(server.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(form(0))).toEqual({
      grant_type: 'password',
      username: 'svc-grc',
      password: 'user-p4ss',
      client_id: 'hub-client',
      client_secret: 'client-s3cret',
    });
    expect((await store.load())?.refreshToken).toBe('rt-1');
  });

  it('keeps the refresh token lifetime when the endpoint states it (refresh_token_expires_in)', async () => {
    server = await startServer(sequence(token('at-1', { refresh_token: 'rt-1', refresh_token_expires_in: 86_400 })));
    const store = createInMemoryTokenStore();
    const now = new Date('2026-01-01T00:00:00Z');
    await provider({ ...clientCredentials, grant: 'password', username: 'svc-grc', password: 'user-p4ss' }, { store, clock: () => now }).accessToken();
    expect((await store.load())?.refreshExpiresAt).toEqual(new Date('2026-01-02T00:00:00Z'));
  });

  it('authorizationMethod header: client credentials as HTTP Basic, not in the body', async () => {
    server = await startServer(sequence(token('at-1')));
    await provider(clientCredentials, { method: 'header' }).accessToken();
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('hub-client:client-s3cret').toString('base64')}`);
    expect(form(0).has('client_secret')).toBe(false);
  });

  it('bodyFormat json sends a JSON body', async () => {
    server = await startServer(sequence(token('at-1')));
    await provider(clientCredentials, { bodyFormat: 'json' }).accessToken();
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toMatchObject({ grant_type: 'client_credentials', client_id: 'hub-client' });
  });

  it('password grant without a password is config_invalid, before any request', async () => {
    server = await startServer(sequence(token('at-1')));
    const error = await failureOf(provider({ ...clientCredentials, grant: 'password', username: 'svc-grc' }).accessToken());
    expect(error.code).toBe('config_invalid');
    expect(server.requests).toHaveLength(0);
  });

  it('a malformed client secret is config_invalid and is not quoted', async () => {
    server = await startServer(sequence(token('at-1')));
    const error = await failureOf(provider({ ...clientCredentials, clientSecret: 'bad\nsecret-canary' }).accessToken());
    expect(error.code).toBe('config_invalid');
    expect(error.message).not.toContain('secret-canary');
  });
});

describe('token caching and renewal', () => {
  it('reuses the token until it is within 60 s of expiry', async () => {
    server = await startServer(sequence(token('at-1'), token('at-2')));
    let now = new Date('2024-05-01T10:00:00Z');
    const tokens = provider(clientCredentials, { clock: () => now });
    expect(await tokens.accessToken()).toBe('at-1');
    now = new Date(now.getTime() + 1_739_000); // 61 s before expiry
    expect(await tokens.accessToken()).toBe('at-1');
    expect(server.requests).toHaveLength(1);
    now = new Date(now.getTime() + 2_000); // 59 s before expiry
    expect(await tokens.accessToken()).toBe('at-2');
    expect(server.requests).toHaveLength(2);
  });

  it('uses a fresh token from the store without asking the endpoint, and saves new ones there', async () => {
    server = await startServer(sequence(token('at-new')));
    const now = new Date('2024-05-01T10:00:00Z');
    const saved: OAuthToken[] = [];
    const stored: OAuthToken = { accessToken: 'at-stored', expiresAt: new Date(now.getTime() + 600_000) };
    const store: TokenStore = { load: async () => saved.at(-1) ?? stored, save: async (t) => void saved.push(t) };
    const tokens = provider(clientCredentials, { store, clock: () => now });
    expect(await tokens.accessToken()).toBe('at-stored');
    expect(server.requests).toHaveLength(0);

    expect(await tokens.renew('at-stored')).toBe('at-new');
    expect(saved).toEqual([{ accessToken: 'at-new', expiresAt: new Date(now.getTime() + 1_800_000) }]);
  });

  it('renew() after another caller already renewed returns the newer token without a request', async () => {
    server = await startServer(sequence(token('at-1'), token('at-2')));
    const tokens = provider(clientCredentials);
    await tokens.accessToken();
    expect(await tokens.renew('at-1')).toBe('at-2');
    expect(await tokens.renew('at-1')).toBe('at-2');
    expect(server.requests).toHaveLength(2);
  });

  it('twenty concurrent callers needing a token share one token request', async () => {
    server = await startServer(sequence({ ...token('at-1'), delayMs: 30 }));
    const tokens = provider(clientCredentials);
    const all = await Promise.all(Array.from({ length: 20 }, () => tokens.accessToken()));
    expect(new Set(all)).toEqual(new Set(['at-1']));
    expect(server.requests).toHaveLength(1);
  });
});

describe('password grant, renewed with its refresh token', () => {
  const passwordAuth: OAuth2Auth = { ...clientCredentials, grant: 'password', username: 'svc-grc', password: 'user-p4ss' };
  const grants = () => server?.requests.map((r) => new URLSearchParams(r.body).get('grant_type'));

  it('spends the refresh token the password grant returned once the access token expires, never the password', async () => {
    server = await startServer(sequence(token('at-1', { refresh_token: 'rt-1' }), token('at-2')));
    let now = new Date('2024-05-01T10:00:00Z');
    const store = createInMemoryTokenStore();
    const tokens = provider(passwordAuth, { store, clock: () => now });
    expect(await tokens.accessToken()).toBe('at-1');
    now = new Date('2024-05-01T10:31:00Z');
    expect(await tokens.accessToken()).toBe('at-2');
    expect(Object.fromEntries(form(1))).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'hub-client', client_secret: 'client-s3cret' });
    // Not rotated: the spent refresh token stays for the next renewal.
    expect(await store.load()).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-1' });
  });

  it('falls back to the password grant when the refresh token is refused (expired, revoked)', async () => {
    server = await startServer(
      sequence(token('at-1', { refresh_token: 'rt-1' }), { status: 400, body: { error: 'invalid_grant' } }, token('at-2', { refresh_token: 'rt-2' })),
    );
    let now = new Date('2024-05-01T10:00:00Z');
    const store = createInMemoryTokenStore();
    const tokens = provider(passwordAuth, { store, clock: () => now });
    await tokens.accessToken();
    now = new Date('2024-08-10T10:00:00Z');
    expect(await tokens.accessToken()).toBe('at-2');
    expect(grants()).toEqual(['password', 'refresh_token', 'password']);
    expect((await store.load())?.refreshToken).toBe('rt-2');
  });

  it('does not spend a refresh token the endpoint said has expired; goes straight to the password grant', async () => {
    server = await startServer(sequence(token('at-2', { refresh_token: 'rt-2' })));
    const now = new Date('2024-05-01T10:00:00Z');
    const stale: OAuthToken = { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: new Date(now.getTime() - 1000), refreshExpiresAt: new Date(now.getTime() - 1000) };
    expect(await provider(passwordAuth, { store: createInMemoryTokenStore(stale), clock: () => now }).accessToken()).toBe('at-2');
    expect(grants()).toEqual(['password']);
  });

  it('does not fall back to the password when the token endpoint is unavailable: that failure is the answer', async () => {
    server = await startServer(sequence({ status: 503, body: { error: 'temporarily_unavailable' } }));
    const expired: OAuthToken = { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: new Date(Date.now() - 1000) };
    const error = await failureOf(provider(passwordAuth, { store: createInMemoryTokenStore(expired) }).accessToken());
    expect(error.code).toBe('upstream_unavailable');
    expect(grants()).toEqual(['refresh_token']);
  });

  it('a wrong password is auth_invalid: a credential to correct, not one that ran out', async () => {
    server = await startServer(sequence({ status: 400, body: { error: 'invalid_grant', error_description: 'bad password user-p4ss' } }, { status: 401, body: 'Unauthorized' }));
    const wrong = await failureOf(provider(passwordAuth).accessToken());
    expect(wrong).toMatchObject({ code: 'auth_invalid', status: 400, message: 'POST /oauth_token.do answered 400 (invalid_grant): the password grant was refused: bad password [redacted]' });
    expect(await failureOf(provider(passwordAuth).accessToken())).toMatchObject({ code: 'auth_invalid', status: 401 });
  });

  it('a refused client secret on the client-credentials grant is auth_invalid too', async () => {
    server = await startServer(sequence({ status: 401, body: { error: 'invalid_client' } }));
    expect(await failureOf(provider(clientCredentials).accessToken())).toMatchObject({ code: 'auth_invalid', status: 401 });
  });
});

describe('refresh_token grant', () => {
  const refreshAuth: OAuth2Auth = { ...clientCredentials, grant: 'refresh_token', refreshToken: 'rt-configured' };
  const expired = (refreshToken?: string): OAuthToken => ({
    accessToken: 'at-old',
    ...(refreshToken === undefined ? {} : { refreshToken }),
    expiresAt: new Date(Date.now() - 1000),
  });

  it('spends the stored refresh token and saves a rotated one with the access token in one save', async () => {
    server = await startServer(sequence(token('at-2', { refresh_token: 'rt-rotated' })));
    const saves: OAuthToken[] = [];
    const store: TokenStore = { load: async () => expired('rt-stored'), save: async (t) => void saves.push(t) };
    expect(await provider(refreshAuth, { store }).accessToken()).toBe('at-2');
    expect(Object.fromEntries(form(0))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-stored',
      client_id: 'hub-client',
      client_secret: 'client-s3cret',
    });
    expect(saves).toHaveLength(1);
    expect(saves[0]).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-rotated' });
  });

  it('keeps the spent refresh token when the endpoint does not rotate it', async () => {
    server = await startServer(sequence(token('at-2')));
    const store = createInMemoryTokenStore();
    await provider(refreshAuth, { store }).accessToken();
    expect(form(0).get('refresh_token')).toBe('rt-configured');
    expect((await store.load())?.refreshToken).toBe('rt-configured');
  });

  it('answers invalid_grant with auth_expired naming the OAuth error code and the description, without the refresh token', async () => {
    server = await startServer(sequence({ status: 400, body: { error: 'invalid_grant', error_description: 'refresh token rt-configured is dead' } }));
    const error = await failureOf(provider(refreshAuth).accessToken());
    expect(error.code).toBe('auth_expired');
    expect(error.status).toBe(400);
    expect(error.message).toBe('POST /oauth_token.do answered 400 (invalid_grant): the refresh token was refused: refresh token [redacted] is dead');
  });

  it('answers a 401 from the token endpoint with auth_expired, even with a non-JSON body', async () => {
    server = await startServer(sequence({ status: 401, body: 'Unauthorized', headers: { 'content-type': 'text/plain' } }));
    const error = await failureOf(provider(refreshAuth).accessToken());
    expect(error.code).toBe('auth_expired');
    expect(error.status).toBe(401);
  });

  it('falls back to the configured refresh token when the stored chain is dead', async () => {
    server = await startServer((request) =>
      new URLSearchParams(request.body).get('refresh_token') === 'rt-configured' ? token('at-2') : { status: 400, body: { error: 'invalid_grant' } },
    );
    const store = createInMemoryTokenStore(expired('rt-stale'));
    expect(await provider(refreshAuth, { store }).accessToken()).toBe('at-2');
    expect(server.requests.map((r) => new URLSearchParams(r.body).get('refresh_token'))).toEqual(['rt-stale', 'rt-configured']);
  });

  it('without any refresh token is config_invalid', async () => {
    server = await startServer(sequence(token('at-1')));
    const error = await failureOf(provider({ ...clientCredentials, grant: 'refresh_token' }).accessToken());
    expect(error.code).toBe('config_invalid');
  });
});

describe('token endpoint failures', () => {
  it('unreachable → network_error', async () => {
    server = await startServer(sequence(token('at-1')));
    const tokens = provider(clientCredentials);
    await server.close();
    const error = await failureOf(tokens.accessToken());
    expect(error.code).toBe('network_error');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('silent → network_error after the timeout', async () => {
    server = await startServer(sequence({ status: 200, hang: true }));
    const error = await failureOf(provider(clientCredentials, { timeoutMs: 100 }).accessToken());
    expect(error.code).toBe('network_error');
    expect(error.message).toContain('timed out');
  });

  it('503 → upstream_unavailable', async () => {
    server = await startServer(sequence({ status: 503, body: { error: 'temporarily_unavailable' } }));
    expect((await failureOf(provider(clientCredentials).accessToken())).code).toBe('upstream_unavailable');
  });

  it('429 → rate_limited carrying the Retry-After, in seconds or as an HTTP date', async () => {
    const now = new Date('2024-05-01T10:00:00Z');
    server = await startServer(
      sequence(
        { status: 429, headers: { 'retry-after': '7' }, body: { error: 'too_many_requests' } },
        { status: 429, headers: { 'retry-after': 'Wed, 01 May 2024 10:00:30 GMT' } },
      ),
    );
    expect(await failureOf(provider(clientCredentials, { clock: () => now }).accessToken())).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 7000 });
    expect(await failureOf(provider(clientCredentials, { clock: () => now }).accessToken())).toMatchObject({ code: 'rate_limited', retryAfterMs: 30_000 });
  });

  it('a grant the client may not use is config_invalid, not a credential to replace', async () => {
    server = await startServer(
      sequence({ status: 400, body: { error: 'unsupported_grant_type', error_description: 'client_credentials is off' } }, { status: 400, body: { error: 'unauthorized_client' } }),
    );
    const disabled = await failureOf(provider(clientCredentials).accessToken());
    expect(disabled).toMatchObject({ code: 'config_invalid', status: 400 });
    expect(disabled.message).toBe('POST /oauth_token.do answered 400 (unsupported_grant_type): this client may not use the configured grant: client_credentials is off');
    expect((await failureOf(provider(clientCredentials).accessToken())).code).toBe('config_invalid');
  });

  it('200 without an access token, or not JSON → upstream_bad_response', async () => {
    server = await startServer(sequence({ status: 200, body: { token_type: 'Bearer' } }, { status: 200, body: '<html/>', headers: { 'content-type': 'text/html' } }));
    expect((await failureOf(provider(clientCredentials).accessToken())).code).toBe('upstream_bad_response');
    expect((await failureOf(provider(clientCredentials).accessToken())).code).toBe('upstream_bad_response');
  });

  it('a failed refresh is shared by every waiting caller, not repeated', async () => {
    server = await startServer(sequence({ status: 400, body: { error: 'invalid_client' }, delayMs: 20 }));
    const tokens = provider(clientCredentials);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => tokens.accessToken()));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(server.requests).toHaveLength(1);
  });
});

describe("the token endpoint's own words (RFC 6749 §5.2 error_description)", () => {
  const passwordAuth: OAuth2Auth = { ...clientCredentials, grant: 'password', username: 'svc-grc', password: 'user-p4ss' };
  const refreshAuth: OAuth2Auth = { ...clientCredentials, grant: 'refresh_token', refreshToken: 'rt-configured-9d2e' };
  /** A token endpoint refusing with a description that quotes the form it was sent. */
  const echoingRefusal =
    (status: number, error: string, prefix: string) =>
    (request: { body: string }): Reply => ({ status, body: { error, error_description: `${prefix}; request was ${request.body}` } });
  const credentialValues = ['client-s3cret', 'user-p4ss', 'rt-configured-9d2e', 'rt-stored-41c7'];

  it('ends a refused client secret with the description, after the OAuth error code', async () => {
    // ASSUMPTION: ServiceNow refuses a wrong client secret with 401 {"error":"invalid_client","error_description":"Invalid client secret"}.
    server = await startServer(sequence({ status: 401, body: { error: 'invalid_client', error_description: 'Invalid client secret' } }));
    const error = await failureOf(provider(clientCredentials).accessToken());
    expect(error).toMatchObject({ code: 'auth_invalid', status: 401 });
    expect(error.message).toBe('POST /oauth_token.do answered 401 (invalid_client): the client_credentials grant was refused: Invalid client secret');
  });

  it('ends a refused password with the description, so a locked account reads as one', async () => {
    // ASSUMPTION: a locked ServiceNow user is refused with 400 invalid_grant and the reason in error_description.
    server = await startServer(sequence({ status: 400, body: { error: 'invalid_grant', error_description: 'Account locked' } }));
    const error = await failureOf(provider(passwordAuth).accessToken());
    expect(error.message).toBe('POST /oauth_token.do answered 400 (invalid_grant): the password grant was refused: Account locked');
  });

  it('never shows the client secret or the password a description quotes (form and JSON bodies)', async () => {
    for (const bodyFormat of ['form', 'json'] as const) {
      server = await startServer(echoingRefusal(400, 'invalid_grant', 'Account locked'));
      const error = await failureOf(provider(passwordAuth, { bodyFormat }).accessToken());
      expect(error.code).toBe('auth_invalid');
      expect(error.message).toMatch(/^POST \/oauth_token\.do answered 400 \(invalid_grant\): the password grant was refused: Account locked; request was /);
      for (const secret of credentialValues) expect(error.message).not.toContain(secret);
      await server.close();
    }
    server = undefined;
  });

  it('never shows a refresh token a description quotes: the stored one spent, or the configured one', async () => {
    server = await startServer(echoingRefusal(400, 'invalid_grant', 'Token expired'));
    const store = createInMemoryTokenStore({ accessToken: 'at-old', refreshToken: 'rt-stored-41c7', expiresAt: new Date(Date.now() - 1000) });
    const error = await failureOf(provider(refreshAuth, { store }).accessToken());
    expect(error.code).toBe('auth_expired');
    expect(server.requests).toHaveLength(2);
    expect(error.message).toMatch(/: the refresh token was refused: Token expired; request was /);
    for (const secret of credentialValues) expect(error.message).not.toContain(secret);
  });

  it('never shows the client secret a description quotes bare, or a Basic header it echoes', async () => {
    const basic = Buffer.from('hub-client:client-s3cret').toString('base64');
    server = await startServer((request) => ({
      status: 401,
      body: { error: 'invalid_client', error_description: `secret client-s3cret does not match; got Authorization: ${String(request.headers.authorization)}` },
    }));
    const error = await failureOf(provider(clientCredentials, { method: 'header' }).accessToken());
    expect(error.message).toBe('POST /oauth_token.do answered 401 (invalid_client): the client_credentials grant was refused: secret [redacted] does not match; got Authorization: Basic [redacted]');
    expect(error.message).not.toContain(basic);
  });

  it('keeps a long, multi-line description to one line of at most 300 characters', async () => {
    server = await startServer(sequence({ status: 401, body: { error: 'invalid_client', error_description: `Invalid client\n${'x'.repeat(2000)}` } }));
    const error = await failureOf(provider(clientCredentials).accessToken());
    const prefix = 'POST /oauth_token.do answered 401 (invalid_client): the client_credentials grant was refused: ';
    expect(error.message.startsWith(`${prefix}Invalid client x`)).toBe(true);
    expect(error.message).not.toContain('\n');
    expect(error.message.length).toBeLessThanOrEqual(prefix.length + 300);
  });

  it('ends a refused grant (config_invalid) with the description too', async () => {
    server = await startServer(sequence({ status: 400, body: { error: 'unsupported_grant_type', error_description: 'client_credentials grant is not enabled' } }));
    const error = await failureOf(provider(clientCredentials).accessToken());
    expect(error.message).toBe('POST /oauth_token.do answered 400 (unsupported_grant_type): this client may not use the configured grant: client_credentials grant is not enabled');
  });

  it('ends other statuses with what the endpoint said, scrubbed the same way', async () => {
    server = await startServer((request) => ({ status: 503, body: { error: 'temporarily_unavailable', error_description: `Instance hibernating (${request.body})` } }));
    const error = await failureOf(provider(clientCredentials).accessToken());
    expect(error.code).toBe('upstream_unavailable');
    expect(error.message).toMatch(/^POST \/oauth_token\.do answered 503: temporarily_unavailable: Instance hibernating \(/);
    expect(error.message).not.toContain('client-s3cret');
  });

  it('adds nothing when the endpoint gave no description, or a body that is not JSON', async () => {
    server = await startServer(sequence({ status: 401, body: { error: 'invalid_client' } }, { status: 401, body: 'Unauthorized', headers: { 'content-type': 'text/plain' } }));
    expect((await failureOf(provider(clientCredentials).accessToken())).message).toBe('POST /oauth_token.do answered 401 (invalid_client): the client_credentials grant was refused');
    expect((await failureOf(provider(clientCredentials).accessToken())).message).toBe('POST /oauth_token.do answered 401: the client_credentials grant was refused');
  });
});
