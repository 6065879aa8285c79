import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { listen, type HttpServer } from './http-server.ts';
import { captureLog } from '../../test-support/captured-log.ts';

// Requests Node refuses before Hono sees them (a request line and headers past 16 KB, malformed
// HTTP) are answered in the hub's error shape over the real listener, not with a bare status line,
// and each is logged (what it was, who sent it, never its bytes) and counted in /metrics.

describe('requests Node refuses, over the real HTTP server', () => {
  let test: TestHub;
  let tenant: TestTenant;
  let server: HttpServer;
  const log = captureLog();
  beforeAll(async () => {
    test = await startTestHub({ label: 'client_error', logTo: log.stream });
    tenant = await test.createTenant('acme');
    server = await listen(test.app, 0, '127.0.0.1', undefined, test.hub);
  });
  afterAll(async () => {
    await server?.close(1000);
    await test?.close();
  });

  /** What the server answers to `text` sent as is. */
  const raw = (text: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write(text));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
  const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
  const requestIdOf = (answer: string) => /\r\nX-Request-Id: ([0-9a-f-]{36})\r\n/.exec(answer)?.[1];

  /** The refusal logged for the answer with this X-Request-Id. */
  const refusalLogged = (requestId: string | undefined) =>
    log.records().filter((line) => line['msg'] === 'request refused before routing' && line['requestId'] === requestId);
  const rejected = async (reason: string) => {
    const text = await (await test.request('get', '/metrics')).text();
    return Number(new RegExp(`^hub_http_rejected_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
  };

  const get = (path: string): Promise<{ status: number; contentType: string | undefined; requestId: string | undefined; body: string }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path, headers: { authorization: `Bearer ${tenant.tokens.admin}` } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, contentType: res.headers['content-type'], requestId: res.headers['x-request-id'] as string | undefined, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('answers a query string past 16 KB with 431 in the error shape', async () => {
    const answer = await get(`/api/audit?action=${'a'.repeat(17_000)}`);
    expect(answer.status).toBe(431);
    expect(answer.contentType).toBe('application/json');
    expect(JSON.parse(answer.body).error).toEqual({ code: 'request_header_too_large', message: expect.stringContaining('16 KB') });
    // As every answer, so a client can quote it.
    expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers malformed HTTP with 400 in the error shape', async () => {
    const answer = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}\r\n/);
    expect(bodyOf(answer).error.code).toBe('bad_request');
  });

  it('answers an HTTP/1.1 request without Host with 400 in the error shape', async () => {
    const answer = await raw('GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}\r\n/);
    expect(bodyOf(answer).error).toEqual({ code: 'bad_request', message: expect.stringContaining('Host') });
    // HTTP/1.0 needs none.
    expect(await raw('GET /api/health HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it('logs and counts headers past 16 KB, without a byte of them', async () => {
    const before = await rejected('header_too_large');
    const answer = await raw(
      `GET /api/audit HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${tenant.tokens.admin}\r\nCookie: session=cookie-canary\r\nX-Filler: ${'filler-canary '.repeat(1_500)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(refusalLogged(requestIdOf(answer))).toEqual([
      expect.objectContaining({ level: 40, reason: 'header_too_large', code: 'request_header_too_large', status: 431, remoteAddress: '127.0.0.1', parserError: 'HPE_HEADER_OVERFLOW' }),
    ]);
    for (const canary of [tenant.tokens.admin, 'cookie-canary', 'filler-canary']) expect(log.text()).not.toContain(canary);
    expect(await rejected('header_too_large')).toBe(before + 1);
  });

  it('logs and counts an HTTP/1.1 request without Host', async () => {
    const before = await rejected('missing_host');
    const answer = await raw('GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(refusalLogged(requestIdOf(answer))).toEqual([
      expect.objectContaining({ level: 40, reason: 'missing_host', code: 'bad_request', status: 400, remoteAddress: '127.0.0.1' }),
    ]);
    expect(await rejected('missing_host')).toBe(before + 1);
  });

  it('logs and counts malformed HTTP, naming only what the parser refused', async () => {
    const before = await rejected('malformed');
    const answer = await raw('GARBAGE-CANARY \x01\x02 nonsense\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const [line] = refusalLogged(requestIdOf(answer));
    expect(line).toEqual(expect.objectContaining({ level: 40, reason: 'malformed', code: 'bad_request', status: 400, remoteAddress: '127.0.0.1', parserError: expect.stringMatching(/^HPE_/) }));
    expect(log.text()).not.toContain('GARBAGE-CANARY');
    expect(await rejected('malformed')).toBe(before + 1);
  });

  it('still serves an ordinary request', async () => {
    expect((await get('/api/health')).status).toBe(200);
  });
});
