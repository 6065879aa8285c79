import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureLog } from '../../test-support/captured-log.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { listen, type HttpServer } from './http-server.ts';

// An API request whose body stalls is answered 408 once the request timeout passes (60 s in the
// hub, half a second here), in the error shape, logged and counted, and its connection is freed:
// before, Node's default let it hold the connection for 5 minutes.

let test: TestHub;
let tenant: TestTenant;
let server: HttpServer;
const log = captureLog();

beforeAll(async () => {
  test = await startTestHub({ label: 'request_timeout', logTo: log.stream });
  tenant = await test.createTenant('acme');
  server = await listen(test.app, 0, '127.0.0.1', undefined, test.hub, { requestTimeoutMs: 500, checkEveryMs: 100 });
});
afterAll(async () => {
  await server?.close(1000);
  await test?.close();
});

it('answers an API request whose body stops half-way with 408 request_timeout and closes its connection', async () => {
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () =>
      socket.write(`POST /api/routes HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer ${tenant.tokens.admin}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`),
    );
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'request_timeout', message: expect.any(String) } });
  const metrics = await (await test.request('get', '/metrics')).text();
  expect(metrics).toMatch(/^hub_http_rejected_total\{reason="request_timeout"\} 1$/m);
  expect(log.records().some((line) => line['msg'] === 'request refused before routing' && line['reason'] === 'request_timeout')).toBe(true);
});
