import { afterEach, describe, expect, it } from 'vitest';
import { createAuthorizer } from './authorize.ts';
import { sequence, startServer, type ScriptedServer } from './scripted-server.testing.ts';
import { testClient } from './test-client.testing.ts';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ok = { status: 200, body: { result: [] } };

describe('authentication headers', () => {
  it('sends basic auth as Authorization: Basic base64(user:password)', async () => {
    server = await startServer(sequence(ok));
    const { client } = testClient(server.url, { auth: { type: 'basic', username: 'svc-grc', password: 'pä:ss' } });
    await client.request({ url: '/api/now/table/incident' });
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('svc-grc:pä:ss').toString('base64')}`);
  });

  it('sends bearer tokens', async () => {
    server = await startServer(sequence(ok));
    const { client } = testClient(server.url, { auth: { type: 'bearer', token: 'tok-123' } });
    await client.request({ url: '/a' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tok-123');
  });

  it('sends an API key as a bearer token by default, or in the configured header', async () => {
    server = await startServer(sequence(ok));
    await testClient(server.url, { auth: { type: 'api_key', key: 'key-1' } }).client.request({ url: '/a' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer key-1');

    await testClient(server.url, { auth: { type: 'api_key', key: 'key-2' }, apiKeyHeader: 'X-API-Key' }).client.request({ url: '/a' });
    expect(server.requests[1]?.headers['x-api-key']).toBe('key-2');
    expect(server.requests[1]?.headers.authorization).toBeUndefined();
  });

  it('sends nothing when the request says authenticate: false', async () => {
    server = await startServer(sequence(ok));
    const { client } = testClient(server.url, { auth: { type: 'bearer', token: 'tok-123' } });
    await client.request({ url: '/public', authenticate: false });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('lets the integration credential win over a caller-supplied Authorization header', async () => {
    server = await startServer(sequence(ok));
    const { client } = testClient(server.url, { auth: { type: 'bearer', token: 'tok-123' } });
    await client.request({ url: '/a', headers: { Authorization: 'Bearer other' } });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tok-123');
  });

  it('does not retry a 401 with static credentials', async () => {
    server = await startServer(sequence({ status: 401 }));
    const { client } = testClient(server.url, { auth: { type: 'basic', username: 'u', password: 'p' } });
    await expect(client.request({ url: '/a' })).rejects.toMatchObject({ code: 'auth_invalid' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('createAuthorizer', () => {
  it('fails requests, not construction, when oauth2 credentials have no token endpoint', async () => {
    const authorizer = createAuthorizer({
      auth: { type: 'oauth2', grant: 'client_credentials', clientId: 'id', clientSecret: 'secret' },
    });
    await expect(authorizer.headers()).rejects.toMatchObject({ code: 'config_invalid' });
  });
});
