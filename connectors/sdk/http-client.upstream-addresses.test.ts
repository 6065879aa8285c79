import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OAuth2Auth } from './credentials.ts';
import { serversClosedAfterEach, sequence, type ScriptedServer } from './scripted-server.testing.ts';
import { testClient } from './test-client.testing.ts';
import type { HostResolver } from './upstream-address-guard.ts';
import { upstreamAddressPolicy } from './upstream-address-policy.ts';
import { failureOf } from './connector-failure.testing.ts';

// The HTTP client must not become a probe of the hub's own network: the upstream address policy is
// applied to the first request, to every redirect and to the OAuth token request, on the addresses
// the connection really goes to. Local servers stand in for the hub's neighbours; a server on
// 0.0.0.0 stands in for one only a refused address reaches (Linux connects 0.0.0.0 to the host).

const startServer = serversClosedAfterEach();
const DEVELOPMENT = upstreamAddressPolicy('private', 'development');
const PRODUCTION = upstreamAddressPolicy('private', 'production');
const PUBLIC = upstreamAddressPolicy('public', 'development');
const ANY = upstreamAddressPolicy('any', 'production');

let wildcard: { server: Server; port: number; seen: string[] } | undefined;
afterEach(async () => {
  wildcard?.server.closeAllConnections();
  await new Promise((resolve) => wildcard?.server.close(resolve) ?? resolve(undefined));
  wildcard = undefined;
});

/** A server on every interface, recording the paths it was asked for. */
async function startWildcardServer(): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"secret":"INTERNAL"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  wildcard = { server, port: (server.address() as AddressInfo).port, seen };
  return wildcard;
}

/** A resolver answering from a map, as a DNS server the test controls would. */
function resolverOf(names: Record<string, string[]>): HostResolver {
  return async (hostname) => {
    const addresses = names[hostname];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

function redirectingTo(location: string): Promise<ScriptedServer> {
  return startServer(sequence({ status: 302, headers: { location } }));
}

describe('HTTP client: the default policy', () => {
  it('still calls the fake upstreams on 127.0.0.1 outside production, with or without a policy given', async () => {
    const server = await startServer(sequence({ status: 200, body: { result: [] } }));
    expect((await testClient(server.url).client.request({ url: '/api/now/table/incident' })).status).toBe(200);
    expect((await testClient(server.url, { upstreamAddresses: DEVELOPMENT }).client.request({ url: '/api/now/table/incident' })).status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  it('refuses loopback in production without connecting, the same for an open and a closed port', async () => {
    const open = await startServer(sequence({ status: 200, body: {} }));
    const closedPort = Number(new URL(open.url).port);
    const closed = `http://127.0.0.1:${closedPort === 65535 ? 1 : closedPort + 1}`;
    const toOpen = await failureOf(testClient(open.url, { upstreamAddresses: PRODUCTION }).client.request({ url: '/api/now/table/incident' }));
    const toClosed = await failureOf(testClient(closed, { upstreamAddresses: PRODUCTION }).client.request({ url: '/api/now/table/incident' }));
    expect(toOpen.code).toBe('config_invalid');
    expect(toOpen.transient).toBe(false);
    expect(toOpen.notSent).toBe(true);
    expect(toOpen.message).toBe(
      'GET /api/now/table/incident was not sent: 127.0.0.1 is a loopback address, which the hub does not call in production (HUB_UPSTREAM_ADDRESSES=private)',
    );
    expect(toClosed.message).toBe(toOpen.message);
    expect(open.requests).toHaveLength(0);
  });

  it('refuses an instance URL naming a link-local, unspecified or mapped address before connecting', async () => {
    for (const url of ['https://169.254.169.254', 'https://[::ffff:a9fe:a9fe]', 'https://[fd00:ec2::254]', 'http://0.0.0.0:5432']) {
      const error = await failureOf(testClient(url, { upstreamAddresses: DEVELOPMENT }).client.request({ url: '/latest/meta-data/' }));
      expect(error.code).toBe('config_invalid');
      expect(error.message).toMatch(/^GET \/latest\/meta-data\/ was not sent: \S+ is an? (link-local|cloud instance metadata|unspecified) address/);
    }
  });
});

describe('HTTP client: redirects are checked hop by hop', () => {
  it('does not follow a redirect to cloud instance metadata (169.254.169.254)', async () => {
    const upstream = await redirectingTo('http://169.254.169.254/latest/meta-data/');
    const error = await failureOf(testClient(upstream.url, { upstreamAddresses: DEVELOPMENT }).client.request({ url: '/api/now/table/incident' }));
    expect(error.code).toBe('config_invalid');
    expect(error.notSent).toBe(false);
    expect(error.message).toBe(
      'GET /api/now/table/incident was redirected to 169.254.169.254, which the hub did not follow: 169.254.169.254 is a link-local address (where cloud instance metadata lives), which the hub does not call (HUB_UPSTREAM_ADDRESSES=private)',
    );
  });

  it('does not follow a redirect to a refused address that reaches a local port: the target sees nothing', async () => {
    const target = await startWildcardServer();
    const upstream = await redirectingTo(`http://0.0.0.0:${target.port}/internal`);
    const error = await failureOf(testClient(upstream.url, { upstreamAddresses: DEVELOPMENT }).client.request({ url: '/api/now/table/incident' }));
    expect(error.message).toMatch(/^GET \/api\/now\/table\/incident was redirected to 0\.0\.0\.0, which the hub did not follow: 0\.0\.0\.0 is an unspecified address/);
    expect(target.seen).toEqual([]);
    // The control: the same redirect under `any` does reach it.
    await testClient(upstream.url, { upstreamAddresses: ANY }).client.request({ url: '/api/now/table/incident' });
    expect(target.seen).toEqual(['/internal']);
  });

  it('does not follow a redirect to a name resolving to a refused address: the target sees nothing', async () => {
    const target = await startWildcardServer();
    const upstream = await redirectingTo(`http://internal.example:${target.port}/internal`);
    const resolveHost = resolverOf({ 'internal.example': ['0.0.0.0'] });
    const error = await failureOf(testClient(upstream.url, { upstreamAddresses: DEVELOPMENT, resolveHost }).client.request({ url: '/x' }));
    expect(error.code).toBe('config_invalid');
    expect(error.message).toMatch(/^GET \/x was redirected to internal\.example, which the hub did not follow: internal\.example resolves to 0\.0\.0\.0, an unspecified address/);
    expect(target.seen).toEqual([]);
  });

  it('names the host that answered an error after a redirect to another origin', async () => {
    const internal = await startServer(sequence({ status: 403, body: { error: { message: 'INTERNAL-METADATA' } } }));
    const upstream = await redirectingTo(`${internal.url}/admin?token=abc`);
    const error = await failureOf(testClient(upstream.url, { upstreamAddresses: DEVELOPMENT }).client.request({ url: '/api/now/table/incident' }));
    expect(error.message).toMatch(new RegExp(`^GET /api/now/table/incident, redirected to ${internal.url}/admin, which answered 403`));
    expect(error.message).not.toContain('token=abc');
  });
});

describe('HTTP client: host names are checked on the addresses they resolve to', () => {
  it('refuses a name resolving to a link-local address', async () => {
    const resolveHost = resolverOf({ 'instance.example.com': ['169.254.169.254'] });
    const error = await failureOf(testClient('https://instance.example.com', { upstreamAddresses: DEVELOPMENT, resolveHost }).client.request({ url: '/api/now/table/incident' }));
    expect(error.code).toBe('config_invalid');
    expect(error.notSent).toBe(true);
    expect(error.message).toBe(
      'GET /api/now/table/incident was not sent: instance.example.com resolves to 169.254.169.254, a link-local address (where cloud instance metadata lives), which the hub does not call (HUB_UPSTREAM_ADDRESSES=private)',
    );
  });

  it('refuses a name when any of its addresses is refused (a rebinding answer mixing in loopback)', async () => {
    const server = await startServer(sequence({ status: 200, body: {} }));
    const port = new URL(server.url).port;
    const resolveHost = resolverOf({ 'instance.example.com': ['203.0.113.7', '127.0.0.1'] });
    const error = await failureOf(testClient(`http://instance.example.com:${port}`, { upstreamAddresses: PRODUCTION, resolveHost }).client.request({ url: '/x' }));
    expect(error.message).toMatch(/instance\.example\.com resolves to 127\.0\.0\.1, a loopback address, which the hub does not call in production/);
    expect(server.requests).toHaveLength(0);
  });

  it('connects to the address the checked lookup answered', async () => {
    const server = await startServer(sequence({ status: 200, body: { ok: true } }));
    const port = new URL(server.url).port;
    const resolveHost = resolverOf({ 'instance.example.com': ['127.0.0.1'] });
    const response = await testClient(`http://instance.example.com:${port}`, { upstreamAddresses: DEVELOPMENT, resolveHost }).client.request({ url: '/x' });
    expect(response.body).toEqual({ ok: true });
    expect(server.requests[0]?.headers.host).toBe(`instance.example.com:${port}`);
  });

  it('under public, refuses private and loopback addresses, by name or literally', async () => {
    const server = await startServer(sequence({ status: 200, body: {} }));
    const resolveHost = resolverOf({ 'jira.corp.example': ['10.20.30.40'] });
    const byName = await failureOf(testClient('https://jira.corp.example', { upstreamAddresses: PUBLIC, resolveHost }).client.request({ url: '/rest/api/2/myself' }));
    expect(byName.message).toBe(
      'GET /rest/api/2/myself was not sent: jira.corp.example resolves to 10.20.30.40, a private address, which the hub does not call (HUB_UPSTREAM_ADDRESSES=public)',
    );
    const loopback = await failureOf(testClient(server.url, { upstreamAddresses: PUBLIC }).client.request({ url: '/x' }));
    expect(loopback.message).toMatch(/^GET \/x was not sent: 127\.0\.0\.1 is a loopback address, which the hub does not call \(HUB_UPSTREAM_ADDRESSES=public\)$/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('HTTP client: the OAuth token request', () => {
  const auth: OAuth2Auth = { type: 'oauth2', grant: 'client_credentials', clientId: 'hub-client', clientSecret: 'client-s3cret' };

  it('is not sent to a refused token endpoint, named or literal; the request fails before it is sent', async () => {
    const upstream = await startServer(sequence({ status: 200, body: {} }));
    const resolveHost = resolverOf({ 'login.example.com': ['169.254.169.254'] });
    for (const tokenUrl of ['https://login.example.com/oauth_token.do', 'https://169.254.169.254/oauth_token.do']) {
      const { client } = testClient(upstream.url, { auth, oauth2: { tokenUrl, authorizationMethod: 'body' }, upstreamAddresses: DEVELOPMENT, resolveHost });
      const error = await failureOf(client.request({ url: '/api/now/table/incident' }));
      expect(error.code).toBe('config_invalid');
      expect(error.notSent).toBe(true);
      expect(error.message).toMatch(/^POST \/oauth_token\.do was not sent: (login\.example\.com resolves to 169\.254\.169\.254, a|169\.254\.169\.254 is a) link-local address/);
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('is sent to a local token endpoint outside production', async () => {
    const tokens = await startServer(sequence({ status: 200, body: { access_token: 'at-1', expires_in: 1800 } }));
    const upstream = await startServer(sequence({ status: 200, body: {} }));
    const { client } = testClient(upstream.url, { auth, oauth2: { tokenUrl: `${tokens.url}/oauth_token.do`, authorizationMethod: 'body' }, upstreamAddresses: DEVELOPMENT });
    await client.request({ url: '/x' });
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer at-1');
  });
});
