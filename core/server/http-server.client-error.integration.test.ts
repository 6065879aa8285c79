import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { listen, type HttpServer } from './http-server.ts';

// Requests Node refuses before Hono sees them (a request line and headers past 16 KB, malformed
// HTTP) are answered in the hub's error shape over the real listener, not with a bare status line.

describe('requests Node refuses, over the real HTTP server', () => {
  let test: TestHub;
  let tenant: TestTenant;
  let server: HttpServer;
  beforeAll(async () => {
    test = await startTestHub({ label: 'client_error' });
    tenant = await test.createTenant('acme');
    server = await listen(test.app, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server?.close(1000);
    await test?.close();
  });

  const get = (path: string): Promise<{ status: number; contentType: string | undefined; body: string }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path, headers: { authorization: `Bearer ${tenant.tokens.admin}` } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, contentType: res.headers['content-type'], body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('answers a query string past 16 KB with 431 in the error shape', async () => {
    const answer = await get(`/api/audit?action=${'a'.repeat(17_000)}`);
    expect(answer.status).toBe(431);
    expect(answer.contentType).toBe('application/json');
    expect(JSON.parse(answer.body).error).toEqual({ code: 'request_header_too_large', message: expect.stringContaining('16 KB') });
  });

  it('answers malformed HTTP with 400 in the error shape', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.code).toBe('bad_request');
  });

  it('still serves an ordinary request', async () => {
    expect((await get('/api/health')).status).toBe(200);
  });
});
