import { afterEach, describe, expect, it } from 'vitest';
import type { OAuth2Auth } from './credentials.ts';
import { ConnectorError } from './failure.ts';
import { OutcomeUnknown, provesNotTaken, sendOnce, unlessProvenNotTaken } from './outcome-unknown.ts';
import { sequence, startServer, type ScriptedServer } from './scripted-server.testing.ts';
import { testClient } from './test-client.testing.ts';

// A write that must not happen twice fails for good when the upstream may have carried it out,
// and stays transient (the runtime tries again later) only when the failure proves it did not.

const servers: ScriptedServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function server(...args: Parameters<typeof startServer>): Promise<ScriptedServer> {
  const started = await startServer(...args);
  servers.push(started);
  return started;
}

const unknown = (failure: ConnectorError) => new OutcomeUnknown(failure, `${failure.message}; may have happened`);

async function failureOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('provesNotTaken', () => {
  it.each([
    ['a 429', new ConnectorError('rate_limited', 'POST /x answered 429', { status: 429 }), true],
    // A gateway answers 408 too when the service behind it was slow, and that service may have acted.
    ['a 408', new ConnectorError('upstream_unavailable', 'POST /x answered 408', { status: 408 }), false],
    ['an open breaker', new ConnectorError('circuit_open', 'circuit of k is open'), true],
    ['a request never sent', new ConnectorError('network_error', 'POST x failed: ECONNREFUSED', { notSent: true }), true],
    ['a reset or timeout', new ConnectorError('network_error', 'POST x failed: ECONNRESET'), false],
    ['a 503', new ConnectorError('upstream_unavailable', 'POST /x answered 503', { status: 503 }), false],
    ['a 503 with a long Retry-After', new ConnectorError('rate_limited', 'POST /x answered 503: retry after 120 s', { status: 503, retryAfterMs: 120_000 }), false],
  ])('%s: %s', (_name, error, proven) => {
    expect(provesNotTaken(error)).toBe(proven);
  });
});

describe('unlessProvenNotTaken', () => {
  it('turns a transient failure that may have reached the upstream into OutcomeUnknown, keeping code and status', () => {
    const error = unlessProvenNotTaken(new ConnectorError('upstream_unavailable', 'POST /x answered 502', { status: 502 }), unknown);
    expect(error).toBeInstanceOf(OutcomeUnknown);
    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 502, transient: false, message: 'POST /x answered 502; may have happened' });
  });

  it('leaves failures that are not transient, proven not taken, or not ConnectorErrors as they are', () => {
    for (const error of [
      new ConnectorError('permission_denied', 'POST /x answered 403', { status: 403 }),
      new ConnectorError('rate_limited', 'POST /x answered 429', { status: 429 }),
      new TypeError('bug'),
    ]) {
      expect(unlessProvenNotTaken(error, unknown)).toBe(error);
    }
  });
});

describe('sendOnce through the HTTP client', () => {
  it('a lost answer ends in OutcomeUnknown after one request', async () => {
    const upstream = await server(() => ({ status: 200, hang: true }));
    const { client } = testClient(upstream.url);
    const error = await failureOf(sendOnce(() => client.request({ method: 'POST', url: '/notes', json: {}, retry: false, timeoutMs: 50 }), unknown));
    expect(error).toBeInstanceOf(OutcomeUnknown);
    expect(error).toMatchObject({ code: 'network_error', transient: false });
    expect(upstream.requests).toHaveLength(1);
  });

  it('a refused connection stays transient', async () => {
    const closed = await startServer(sequence({ status: 200 }));
    await closed.close();
    const error = await failureOf(sendOnce(() => testClient(closed.url).client.request({ method: 'POST', url: '/notes', retry: false }), unknown));
    expect(error).not.toBeInstanceOf(OutcomeUnknown);
    expect(error).toMatchObject({ code: 'network_error', transient: true, notSent: true });
  });

  it('a token that could not be had stays transient, the write unsent, whatever the token endpoint did', async () => {
    // A 503 from the token endpoint would be an unknown outcome for the endpoint's own request;
    // for the write it is proof: the write was never sent.
    const tokenEndpoint = await server(sequence({ status: 503, body: { error: 'temporarily_unavailable' } }));
    const upstream = await server(sequence({ status: 201, body: {} }));
    const auth: OAuth2Auth = { type: 'oauth2', grant: 'client_credentials', clientId: 'c', clientSecret: 's' };
    const { client } = testClient(upstream.url, { auth, oauth2: { tokenUrl: `${tokenEndpoint.url}/oauth_token.do`, authorizationMethod: 'body' } });

    const error = await failureOf(sendOnce(() => client.request({ method: 'POST', url: '/notes', retry: false }), unknown));

    expect(error).not.toBeInstanceOf(OutcomeUnknown);
    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 503, transient: true, notSent: true });
    expect(upstream.requests).toHaveLength(0);
  });
});
