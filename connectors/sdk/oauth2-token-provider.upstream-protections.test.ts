import type { LookupAddress } from 'node:dns';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OAuth2Auth } from './credentials.ts';
import { ConnectorError } from './failure.ts';
import { createOAuth2TokenProvider, type OAuth2TokenProviderOptions } from './oauth2-token-provider.ts';
import { serversClosedAfterEach, sequence } from './scripted-server.testing.ts';
import type { HostResolver } from './upstream-address-guard.ts';
import { upstreamAddressPolicy } from './upstream-address-policy.ts';

// The token request stays on simple-oauth2 (the ServiceNow spec asks for it) and gets through its
// `http` options what every other upstream request gets: the connection goes to the very addresses
// the upstream address policy checked, and the answer is read only up to a size the hub holds in
// memory.

const startServer = serversClosedAfterEach();
const DEVELOPMENT = upstreamAddressPolicy('private', 'development');
const PUBLIC = upstreamAddressPolicy('public', 'development');

const clientCredentials: OAuth2Auth = { type: 'oauth2', grant: 'client_credentials', clientId: 'hub-client', clientSecret: 'client-s3cret' };

function provider(tokenUrl: string, auth: OAuth2Auth, extra: Partial<OAuth2TokenProviderOptions> = {}) {
  return createOAuth2TokenProvider({ auth, endpoint: { tokenUrl, authorizationMethod: 'body' }, upstreamAddresses: DEVELOPMENT, ...extra });
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const outcome: unknown = await promise.catch((error: unknown) => error);
  if (!(outcome instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(outcome)}`);
  return outcome;
}

/** A resolver answering from a list, one answer per question (the last one repeated), recording what it answered. */
function answering(...addresses: string[]): HostResolver & { answered: string[] } {
  const answered: string[] = [];
  const resolve = async (): Promise<LookupAddress[]> => {
    const address = addresses[Math.min(answered.length, addresses.length - 1)] ?? '127.0.0.1';
    answered.push(address);
    return [{ address, family: 4 }];
  };
  return Object.assign(resolve, { answered });
}

const CHUNK = Buffer.alloc(16 * 1024, 'x');
/** What a streaming answer would send if read to its end: far beyond any socket buffer. */
const TOTAL = 32 * 1024 * 1024;

interface Answer {
  /** Bytes handed to the socket before the answer ended or the connection closed. */
  sentBytes: number;
  /** Whether the whole answer was sent. */
  finished: boolean;
}

const streamingServers: Server[] = [];
afterEach(async () => {
  for (const server of streamingServers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A token endpoint writing its answer at the pace the client reads it; `answer` settles when it ended or the client hung up. */
async function startStreamingEndpoint(write: (response: ServerResponse, answer: Answer) => Promise<void>): Promise<{ tokenUrl: string; answer: Promise<Answer> }> {
  let settle: (answer: Answer) => void = () => {};
  const settled = new Promise<Answer>((resolve) => (settle = resolve));
  const server = createServer((request, response) => {
    const answer: Answer = { sentBytes: 0, finished: false };
    response.once('close', () => settle({ ...answer, finished: response.writableFinished }));
    request.resume();
    void write(response, answer);
  });
  streamingServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth_token.do`, answer: settled };
}

async function streamFiller(response: ServerResponse, answer: Answer, total: number): Promise<void> {
  while (answer.sentBytes < total && !response.destroyed) {
    const flushed = response.write(CHUNK);
    answer.sentBytes += CHUNK.length;
    if (!flushed) await drainedOrClosed(response);
  }
  if (!response.destroyed) response.end();
}

function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}

describe('the token request reads a bounded answer', () => {
  it('stops reading a 400 of 32 MB and hangs up: upstream_bad_response with the status', async () => {
    // ASSUMPTION: a proxy or a broken identity provider in front of the token endpoint may answer a refusal with a huge page.
    const endpoint = await startStreamingEndpoint(async (response, answer) => {
      response.writeHead(400, { 'content-type': 'text/plain' });
      await streamFiller(response, answer, TOTAL);
    });

    const error = await failureOf(provider(endpoint.tokenUrl, clientCredentials).accessToken());

    expect(error).toMatchObject({ code: 'upstream_bad_response', status: 400 });
    expect(error.message).toMatch(/^POST \/oauth_token\.do answered with a body over 1 MB, the most the hub reads; the download was stopped/);
    const answer = await endpoint.answer;
    expect(answer.finished).toBe(false);
    expect(answer.sentBytes).toBeLessThan(TOTAL);
  });

  it('stops reading a token answer of 32 MB the same way', async () => {
    const endpoint = await startStreamingEndpoint(async (response, answer) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"access_token":"at-1","padding":"');
      await streamFiller(response, answer, TOTAL);
    });

    const error = await failureOf(provider(endpoint.tokenUrl, clientCredentials).accessToken());

    expect(error).toMatchObject({ code: 'upstream_bad_response', status: 200 });
    expect(error.message).toContain('answered with a body over 1 MB');
    expect((await endpoint.answer).finished).toBe(false);
  });
});

describe('the token endpoint behind a rebinding name', () => {
  it('connects to the address its check saw: a later answer of 127.0.0.1 is never used, and the endpoint sees nothing', async () => {
    const server = await startServer(sequence({ status: 200, body: { access_token: 'at-1', expires_in: 1800 } }));
    const port = new URL(server.url).port;
    // A DNS server answering a public address first and loopback to every later question. The
    // system resolver answers `localhost` with loopback too, so a lookup made anywhere else would
    // reach the endpoint.
    const rebinding = answering('203.0.113.7', '127.0.0.1');

    // The timeout only bounds the attempt to reach the public address, which nothing answers here.
    const error = await failureOf(provider(`http://localhost:${port}/oauth_token.do`, clientCredentials, { upstreamAddresses: PUBLIC, resolveHost: rebinding, timeoutMs: 500 }).accessToken());

    expect(server.requests).toHaveLength(0);
    expect(rebinding.answered).toEqual(['203.0.113.7']);
    expect(error.code).toBe('network_error');
    expect(error.message).toMatch(/^POST localhost:\d+\/oauth_token\.do failed: /);
  });

  it('is not sent when the name resolves to a refused address at connect time: config_invalid, not sent', async () => {
    const server = await startServer(sequence({ status: 200, body: { access_token: 'at-1', expires_in: 1800 } }));
    const port = new URL(server.url).port;

    const error = await failureOf(provider(`http://localhost:${port}/oauth_token.do`, clientCredentials, { upstreamAddresses: PUBLIC, resolveHost: answering('127.0.0.1') }).accessToken());

    expect(server.requests).toHaveLength(0);
    expect(error).toMatchObject({ code: 'config_invalid', notSent: true });
    expect(error.message).toBe('POST /oauth_token.do was not sent: localhost resolves to 127.0.0.1, a loopback address, which the hub does not call (HUB_UPSTREAM_ADDRESSES=public)');
  });

  it('is not sent to a refused IP literal, which Node connects to without a lookup', async () => {
    const server = await startServer(sequence({ status: 200, body: { access_token: 'at-1', expires_in: 1800 } }));
    const resolver = answering('203.0.113.7');

    const error = await failureOf(provider(`${server.url}/oauth_token.do`, clientCredentials, { upstreamAddresses: PUBLIC, resolveHost: resolver }).accessToken());

    expect(server.requests).toHaveLength(0);
    expect(resolver.answered).toEqual([]);
    expect(error).toMatchObject({ code: 'config_invalid', notSent: true });
    expect(error.message).toBe('POST /oauth_token.do was not sent: 127.0.0.1 is a loopback address, which the hub does not call (HUB_UPSTREAM_ADDRESSES=public)');
  });
});
