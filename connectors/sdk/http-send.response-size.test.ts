import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from './failure.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, sendAttempt, type Attempt } from './http-send.ts';
import { testClient } from './test-client.testing.ts';

// An upstream answering more than the hub holds in memory: the download stops once the limit is
// passed (or before it starts, when Content-Length announces it), and the request fails with
// upstream_bad_response, not retried. The servers here stream far more than the limit and note
// whether the client hung up before they were done.

const CHUNK = Buffer.alloc(16 * 1024, 'x');
/** What each streaming answer would send if read to its end: far beyond any socket buffer. */
const TOTAL = 32 * 1024 * 1024;
const SMALL_LIMIT = 64 * 1024;

interface Answer {
  /** Bytes handed to the socket before the answer ended or the connection closed. */
  sentBytes: number;
  /** Whether the whole answer was sent. */
  finished: boolean;
}

interface StreamingServer {
  url: string;
  requests: number;
  /** Resolves once the first answer ended or its connection closed. */
  firstAnswer: Promise<Answer>;
}

type Handler = (response: ServerResponse, answer: Answer) => Promise<void>;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function startStreamingServer(handler: Handler): Promise<StreamingServer> {
  let settleFirst: (answer: Answer) => void = () => {};
  const firstAnswer = new Promise<Answer>((resolve) => (settleFirst = resolve));
  const state = { requests: 0 };
  const server = createServer((request, response) => {
    state.requests += 1;
    const answer: Answer = { sentBytes: 0, finished: false };
    if (state.requests === 1) response.once('close', () => settleFirst({ ...answer, finished: response.writableFinished }));
    request.resume();
    void handler(response, answer);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    firstAnswer,
  };
}

/** Writes `total` bytes at the pace the client reads them, stopping if the connection closes. */
async function streamBody(response: ServerResponse, answer: Answer, total: number): Promise<void> {
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

function attempt(url: string, overrides: Partial<Attempt> = {}): Attempt {
  return {
    method: 'GET',
    url: new URL(url),
    headers: {},
    // Only a bound for a regression that would wait for a body that never ends; nothing is timed.
    timeoutMs: 10_000,
    responseType: 'buffer',
    followRedirect: false,
    now: () => new Date(),
    maxResponseBytes: SMALL_LIMIT,
    ...overrides,
  };
}

/** The ConnectorError `request` fails with. */
async function refusal(request: Promise<unknown>): Promise<ConnectorError> {
  const outcome: unknown = await request.catch((error: unknown) => error);
  if (!(outcome instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(outcome)}`);
  return outcome;
}

describe('sendAttempt: response bodies over the size limit', () => {
  it('stops reading a body without Content-Length once it passes the limit, and hangs up', async () => {
    const server = await startStreamingServer(async (response, answer) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      await streamBody(response, answer, TOTAL);
    });

    const error = await refusal(sendAttempt(attempt(`${server.url}/api/now/table/incident?sysparm_query=secret%3Dcanary`)));

    expect(error.code).toBe('upstream_bad_response');
    expect(error.transient).toBe(false);
    expect(error.message).toBe(
      'GET /api/now/table/incident answered with a body over 64 KB, the most the hub reads; the download was stopped. ' +
        'Ask for less per request (a smaller page size), or check that the URL points at the API',
    );
    const answer = await server.firstAnswer;
    expect(answer.finished).toBe(false);
    expect(answer.sentBytes).toBeLessThan(TOTAL);
  });

  it('refuses a body whose Content-Length is over the limit before reading it', async () => {
    // The server sends one chunk and then waits for ever: only the announced length can end this.
    const server = await startStreamingServer(async (response, answer) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(TOTAL) });
      response.write(CHUNK);
      answer.sentBytes += CHUNK.length;
    });

    const error = await refusal(sendAttempt(attempt(server.url, { responseType: 'json' })));

    expect(error.code).toBe('upstream_bad_response');
    expect(error.message).toContain('body over 64 KB');
    expect(await server.firstAnswer).toEqual({ sentBytes: CHUNK.length, finished: false });
  });

  it('counts a compressed body as it decompresses, so a small gzip of a huge body is refused too', async () => {
    const bomb = gzipSync(Buffer.alloc(TOTAL));
    expect(bomb.length).toBeLessThan(SMALL_LIMIT);
    const server = await startStreamingServer(async (response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
      response.end(bomb);
    });

    const error = await refusal(sendAttempt(attempt(server.url)));

    expect(error.code).toBe('upstream_bad_response');
    expect(error.message).toContain('body over 64 KB');
  });

  it('reports an error status as what it is, however large the page that came with it', async () => {
    const server = await startStreamingServer(async (response, answer) => {
      response.writeHead(503, { 'content-type': 'text/html', 'retry-after': '7' });
      await streamBody(response, answer, TOTAL);
    });

    const error = await refusal(sendAttempt(attempt(server.url)));

    expect(error.code).toBe('upstream_unavailable');
    expect(error.retryAfterMs).toBe(7_000);
    expect((await server.firstAnswer).finished).toBe(false);
  });

  it('reads a body of exactly the limit whole', async () => {
    const server = await startStreamingServer(async (response, answer) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      await streamBody(response, answer, SMALL_LIMIT);
    });

    const response = await sendAttempt(attempt(server.url));

    expect((response.body as Buffer).length).toBe(SMALL_LIMIT);
    expect(await server.firstAnswer).toEqual({ sentBytes: SMALL_LIMIT, finished: true });
  });

  it('does not read a HEAD answer\'s Content-Length as a body to refuse', async () => {
    const server = await startStreamingServer(async (response) => {
      response.writeHead(200, { 'content-length': String(TOTAL) });
      response.end();
    });

    const response = await sendAttempt(attempt(server.url, { method: 'HEAD' }));

    expect(response.status).toBe(200);
  });
});

describe('HttpClient: the default limit', () => {
  it('refuses an answer announcing more than DEFAULT_MAX_RESPONSE_BYTES once, without retrying or counting it against the breaker', async () => {
    const server = await startStreamingServer(async (response, answer) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(DEFAULT_MAX_RESPONSE_BYTES + 1) });
      response.write(CHUNK);
      answer.sentBytes += CHUNK.length;
    });
    const { client, waits, breakers } = testClient(server.url);

    // The timeout only bounds a regression that would wait for the rest of the body; nothing is timed.
    const error = await refusal(client.request({ url: '/export?token=canary', timeoutMs: 2_000 }));

    expect(error.code).toBe('upstream_bad_response');
    expect(error.message).toContain('GET /export answered with a body over 64 MB');
    expect(error.message).not.toContain('canary');
    expect(server.requests).toBe(1);
    expect(waits).toEqual([]);
    expect(breakers.state('integration-under-test')).toBe('closed');
    expect((await server.firstAnswer).finished).toBe(false);
    breakers.shutdown();
  });
});

// An error answer is read only for the upstream's reason (upstream-reason.ts reads its first
// ERROR_BODY_PREFIX_BYTES); past that the download stops, however large the body and whatever the
// size limit for successful answers.
describe('sendAttempt: error bodies are read only as far as the reason needs', () => {
  const REASON = 'Database connection pool exhausted';

  /** Writes the reason, then filler up to `total` bytes (or for ever) at the pace the client reads. */
  async function streamReason(response: ServerResponse, answer: Answer, total: number): Promise<void> {
    response.write(`${REASON}\n`);
    answer.sentBytes += REASON.length + 1;
    await streamBody(response, answer, total);
  }

  it('stops downloading a 500 whose body is large but within the size limit, and keeps its reason', async () => {
    const server = await startStreamingServer(async (response, answer) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      await streamReason(response, answer, TOTAL);
    });

    const error = await refusal(sendAttempt(attempt(`${server.url}/api/now/table/incident`, { maxResponseBytes: undefined })));

    expect(TOTAL).toBeLessThan(DEFAULT_MAX_RESPONSE_BYTES);
    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 500 });
    expect(error.message).toMatch(new RegExp(`^GET /api/now/table/incident answered 500: ${REASON} x+…$`));
    const answer = await server.firstAnswer;
    expect(answer.finished).toBe(false);
    expect(answer.sentBytes).toBeLessThan(TOTAL);
  });

  it('reads the reason of an error whose Content-Length is over the limit, then stops', async () => {
    // One chunk past the reason, then silence: only a client that stops at the prefix finishes.
    const server = await startStreamingServer(async (response, answer) => {
      response.writeHead(503, { 'content-type': 'text/plain', 'content-length': String(TOTAL), 'retry-after': '7' });
      response.write(`${REASON}\n`);
      response.write(CHUNK);
      answer.sentBytes += REASON.length + 1 + CHUNK.length;
    });

    const error = await refusal(sendAttempt(attempt(server.url)));

    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 503, retryAfterMs: 7_000 });
    expect(error.message).toContain(`answered 503: ${REASON} x`);
    expect((await server.firstAnswer).finished).toBe(false);
  });

  it('reads the reason of a compressed error body from its decompressed prefix', async () => {
    const page = gzipSync(Buffer.concat([Buffer.from(`${REASON}\n`), Buffer.alloc(TOTAL, 'x')]));
    const server = await startStreamingServer(async (response) => {
      response.writeHead(502, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      response.end(page);
    });

    const error = await refusal(sendAttempt(attempt(server.url, { maxResponseBytes: undefined })));

    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 502 });
    expect(error.message).toContain(`answered 502: ${REASON} x`);
  });

  it('reads a short error body whole', async () => {
    const server = await startStreamingServer(async (response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'Invalid query', detail: 'unknown field u_x' } }));
    });

    const error = await refusal(sendAttempt(attempt(server.url)));

    expect(error.message).toBe('GET / answered 400: Invalid query: unknown field u_x');
    expect((await server.firstAnswer).finished).toBe(true);
  });
});

describe('HttpClient: an error answer that never ends', () => {
  it('is retried after its Retry-After like any other, each body abandoned after its reason', async () => {
    let answered = 0;
    const server = await startStreamingServer(async (response, answer) => {
      answered += 1;
      if (answered > 1) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"result":[]}');
        return;
      }
      response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '3' });
      // Never ends: only a client that stops reading moves on.
      await streamBody(response, answer, Number.POSITIVE_INFINITY);
    });
    const { client, waits, breakers } = testClient(server.url);

    const response = await client.request({ url: '/api/now/table/incident', timeoutMs: 10_000 });

    expect(response.status).toBe(200);
    expect(server.requests).toBe(2);
    expect(waits).toEqual([3_000]);
    expect((await server.firstAnswer).finished).toBe(false);
    breakers.shutdown();
  });
});
