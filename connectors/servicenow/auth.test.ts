import { describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { servicenow } from './connector.ts';
import { perTestServiceNow, pollOnce } from './test-context.testing.ts';

// Authentication and failure handling as they happen through the SDK's HTTP client against the
// fake instance: what the connector declares (token URL, client id/secret in the form body) has
// to match what ServiceNow expects.

const instances = perTestServiceNow();

const oauth = { clientId: 'hub-client', clientSecret: 'hub-secret', users: { 'svc-grc': 'pw' } };

async function failureOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('ServiceNow authentication', () => {
  it('sends Basic credentials', async () => {
    const fake = await instances.start({ auth: { basic: { user: 'svc-grc', pass: 'secret' } } });
    fake.records.seed('incident', 2);
    const context = instances.context(fake);
    expect((await pollOnce(context, 'incident', undefined)).ids).toHaveLength(2);
    expect(fake.requests.every((r) => r.user === 'svc-grc')).toBe(true);
  });

  it('turns a 401 into auth_invalid', async () => {
    const fake = await instances.start({ auth: { basic: { user: 'svc-grc', pass: 'rotated' } } });
    const context = instances.context(fake);
    const error = await failureOf(servicenow.check(context.ctx));
    expect(error).toMatchObject({ code: 'auth_invalid', status: 401 });
  });

  const passwordGrant = { auth: { type: 'oauth2', grant: 'password', clientId: 'hub-client', clientSecret: 'hub-secret', username: 'svc-grc', password: 'pw' } } as const;
  const tokenForms = (fake: FakeServiceNow) => fake.requests.filter((r) => r.path === '/oauth_token.do').map((r) => new URLSearchParams(r.body));

  it('gets a token with the password grant (client id/secret in the form body) and renews it with the refresh grant', async () => {
    let now = new Date('2024-05-01T10:00:00Z');
    const clock = () => now;
    const fake = await instances.start({ clock, auth: { oauth } });
    const context = instances.context(fake, { clock, credentials: passwordGrant });
    expect((await servicenow.check(context.ctx)).detail).toContain('as svc-grc');
    const tokenRequest = fake.requests.find((r) => r.path === '/oauth_token.do');
    expect(tokenRequest?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(new URLSearchParams(tokenRequest?.body).get('client_id')).toBe('hub-client');
    expect(tokenRequest?.headers.authorization).toBeUndefined();

    await servicenow.check(context.ctx);
    expect(fake.tokens).toHaveLength(1);

    // Issue 3 §7, "password + refresh grant"; fact sheet: the password grant returns a refresh
    // token, spent with grant_type=refresh_token&client_id&client_secret&refresh_token.
    now = new Date('2024-05-01T10:31:00Z');
    await servicenow.check(context.ctx);
    const renewal = tokenForms(fake)[1];
    expect(renewal?.get('grant_type')).toBe('refresh_token');
    expect(renewal?.get('refresh_token')).toBe(fake.tokens[0]?.refreshToken);
    expect(renewal?.get('password')).toBeNull();
    expect(fake.tokens.map((t) => t.grantType)).toEqual(['password', 'refresh_token']);
    expect(fake.requests.filter((r) => r.path.startsWith('/api/')).every((r) => r.status === 200)).toBe(true);
  });

  it('starts over with the password grant once the refresh token has expired (100 days by default)', async () => {
    let now = new Date('2024-05-01T10:00:00Z');
    const clock = () => now;
    const fake = await instances.start({ clock, auth: { oauth } });
    const context = instances.context(fake, { clock, credentials: passwordGrant });
    await servicenow.check(context.ctx);
    now = new Date('2024-08-10T10:00:00Z');
    expect((await servicenow.check(context.ctx)).ok).toBe(true);
    expect(tokenForms(fake).map((form) => form.get('grant_type'))).toEqual(['password', 'refresh_token', 'password']);
    expect(fake.tokens.map((t) => t.grantType)).toEqual(['password', 'password']);
  });

  it('a wrong password at the token endpoint is auth_invalid (a credential to correct), not auth_expired', async () => {
    const fake = await instances.start({ auth: { oauth } });
    const context = instances.context(fake, { credentials: { auth: { ...passwordGrant.auth, password: 'wrong' } } });
    const error = await failureOf(servicenow.check(context.ctx));
    expect(error).toMatchObject({ code: 'auth_invalid', status: 400, message: expect.stringContaining('(invalid_grant)') });
    expect(fake.requests.filter((r) => r.path.startsWith('/api/'))).toHaveLength(0);
  });

  it('refreshes with the refresh_token grant, spending the rotated refresh token each time', async () => {
    let now = new Date('2024-05-01T10:00:00Z');
    const clock = () => now;
    const fake = await instances.start({ clock, auth: { oauth: { ...oauth, rotateRefreshTokens: true } } });
    const form = new URLSearchParams({ grant_type: 'password', client_id: 'hub-client', client_secret: 'hub-secret', username: 'svc-grc', password: 'pw' });
    const issued = (await (await fetch(`${fake.url}/oauth_token.do`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })).json()) as { refresh_token: string };
    const context = instances.context(fake, {
      clock,
      credentials: { auth: { type: 'oauth2', grant: 'refresh_token', clientId: 'hub-client', clientSecret: 'hub-secret', refreshToken: issued.refresh_token } },
    });
    await servicenow.check(context.ctx);
    now = new Date('2024-05-01T11:00:00Z');
    await servicenow.check(context.ctx);
    expect(fake.tokens.map((t) => t.grantType)).toEqual(['password', 'refresh_token', 'refresh_token']);
    const spent = fake.requests.filter((r) => r.path === '/oauth_token.do').slice(1).map((r) => new URLSearchParams(r.body).get('refresh_token'));
    expect(spent).toEqual([issued.refresh_token, fake.tokens[1]?.refreshToken]);
  });

  it('uses the client-credentials grant', async () => {
    const fake = await instances.start({ auth: { oauth: { ...oauth, clientCredentialsEnabled: true, clientCredentialsUser: 'grc.app' } } });
    const context = instances.context(fake, { credentials: { auth: { type: 'oauth2', grant: 'client_credentials', clientId: 'hub-client', clientSecret: 'hub-secret' } } });
    expect((await servicenow.check(context.ctx)).detail).toContain('as the OAuth application user');
    expect(fake.requests.at(-1)?.user).toBe('grc.app');
  });

  it('a client-credentials grant not enabled on the instance (the default) is config_invalid (a setting, not a secret, to fix)', async () => {
    const fake = await instances.start({ auth: { oauth } });
    const context = instances.context(fake, { credentials: { auth: { type: 'oauth2', grant: 'client_credentials', clientId: 'hub-client', clientSecret: 'hub-secret' } } });
    const error = await failureOf(servicenow.check(context.ctx));
    expect(error).toMatchObject({ code: 'config_invalid', status: 400 });
    expect(error.message).toContain('unsupported_grant_type');
    expect(fake.requests.filter((r) => r.path.startsWith('/api/'))).toHaveLength(0);
  });

  it('a refused refresh token stays auth_expired', async () => {
    const fake = await instances.start({ auth: { oauth } });
    const context = instances.context(fake, { credentials: { auth: { type: 'oauth2', grant: 'refresh_token', clientId: 'hub-client', clientSecret: 'hub-secret', refreshToken: 'revoked' } } });
    expect(await failureOf(servicenow.check(context.ctx))).toMatchObject({ code: 'auth_expired', status: 400 });
  });
});

describe('ServiceNow rate limits', () => {
  it('waits out a 429 Retry-After and then succeeds', async () => {
    const fake = await instances.start();
    fake.records.seed('incident', 1);
    fake.failNext(1, { status: 429, retryAfter: 1 });
    const context = instances.context(fake);
    expect((await pollOnce(context, 'incident', undefined)).ids).toHaveLength(1);
    expect(context.waits).toEqual([1000]);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    const now = new Date('2024-05-01T10:00:00Z');
    const fake = await instances.start();
    fake.records.seed('incident', 1);
    fake.failNext(1, { status: 429, headers: { 'retry-after': 'Wed, 01 May 2024 10:00:07 GMT' } });
    const context = instances.context(fake, { clock: () => now });
    expect((await pollOnce(context, 'incident', undefined)).ids).toHaveLength(1);
    expect(context.waits).toEqual([7000]);
  });

  it('waits out a 429 Retry-After from the token endpoint', async () => {
    const fake = await instances.start({ auth: { oauth: { ...oauth, clientCredentialsEnabled: true } } });
    fake.failNext(1, { status: 429, retryAfter: 3, path: '/oauth_token.do' });
    const context = instances.context(fake, { credentials: { auth: { type: 'oauth2', grant: 'client_credentials', clientId: 'hub-client', clientSecret: 'hub-secret' } } });
    await servicenow.check(context.ctx);
    expect(context.waits).toEqual([3000]);
    expect(fake.requests.map((r) => `${r.path} ${r.status}`).slice(0, 2)).toEqual(['/oauth_token.do 429', '/oauth_token.do 200']);
  });

  it('keeps the circuit closed through repeated 429s, so each wait follows Retry-After', async () => {
    const fake = await instances.start();
    fake.failNext(12, { status: 429, retryAfter: 2 });
    const context = instances.context(fake);
    for (let i = 0; i < 3; i++) await expect(pollOnce(context, 'incident', undefined)).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 2000 });
    expect(context.waits).toEqual(Array.from({ length: 9 }, () => 2000));
    expect(fake.requests).toHaveLength(12);
  });
});
