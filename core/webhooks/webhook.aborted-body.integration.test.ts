import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../test-support/captured-log.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { listen, type HttpServer } from '../server/http-server.ts';
import { LOGGED_PER_WINDOW } from '../server/limited-log.ts';
import { webhookListener } from './webhook.listener.ts';

// A delivery whose sender hangs up or stalls halfway through its body (a ServiceNow Business Rule
// timing out mid-send, a proxy cutting bodies) is counted as `aborted` and logged with what the
// hub knows of it — never its bytes or headers — over the real listener, wired as the hub wires it.

// Short, so the stalled delivery below is cut at once rather than after the production timeout.
const BODY_TIMEOUT_MS = 200;
const ANNOUNCED = 10_000;
const SENT = 100;

describe('a webhook body that never finishes', () => {
  let test: TestHub;
  let server: HttpServer;
  const log = captureLog();
  beforeAll(async () => {
    test = await startTestHub({ label: 'webhook_aborted', logTo: log.stream });
    server = await listen(test.app, 0, '127.0.0.1', await webhookListener(test.hub, { bodyTimeoutMs: BODY_TIMEOUT_MS }), test.hub);
  });
  afterAll(async () => {
    await server?.close(1_000);
    await test?.close();
  });

  /** Opens a connection and sends the headers of a `ANNOUNCED`-byte delivery with only `SENT` bytes of it. */
  const startDelivery = (path: string, extraHeaders = '', port = server.port): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${ANNOUNCED}\r\n${extraHeaders}\r\n` +
            `{"canary":"body-canary${'x'.repeat(SENT - 24)}"}`,
          (error) => (error ? reject(error) : resolve(socket)),
        );
      });
      socket.on('error', () => undefined);
    });
  const aborted = async () => {
    const text = await (await test.request('get', '/metrics')).text();
    return Number(/^hub_webhooks_total\{connector="unknown",outcome="aborted"\} (\d+)$/m.exec(text)?.[1]);
  };
  const abortLines = () => log.records().filter((line) => line['msg'] === 'webhook delivery aborted before its body arrived');
  const abortLineFor = (integrationId: string) => waitFor('the abort log line', async () => abortLines().find((line) => line['integrationId'] === integrationId));

  it('serves the aborted outcome at 0 before any delivery was cut', async () => {
    expect(await aborted()).toBe(0);
  });

  it('counts and logs a sender that hangs up mid-body, with the bytes it got and no byte of them', async () => {
    const before = await aborted();
    const integrationId = randomUUID();
    const socket = await startDelivery(`/hooks/${integrationId}`, 'X-Secret-Header: header-canary\r\n');
    // ASSUMPTION: the bytes written reach the hub before the hang-up, as they go first on the same connection.
    socket.destroy();
    const line = await abortLineFor(integrationId);
    expect(line).toEqual(expect.objectContaining({ level: 30, outcome: 'aborted', cause: 'hang_up', integrationId, bytesReceived: SENT }));
    await waitFor('the aborted delivery to be counted', async () => (await aborted()) === before + 1);
    expect(log.text()).not.toContain('body-canary');
    expect(log.text()).not.toContain('header-canary');
    // A hang-up is not malformed HTTP: it is not also reported as a refused request.
    expect(log.text()).not.toContain('"request refused before routing"');
  });

  it('answers a body that stalls 408 in the error shape, and counts and logs it as a timeout', async () => {
    const before = await aborted();
    const integrationId = randomUUID();
    const socket = await startDelivery(`/hooks/${integrationId}`);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    await new Promise((resolve) => socket.once('end', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(answer).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'request_timeout', message: expect.stringContaining('body') } });
    socket.destroy();
    expect(await abortLineFor(integrationId)).toEqual(expect.objectContaining({ level: 30, outcome: 'aborted', cause: 'timeout', bytesReceived: SENT }));
    expect(await aborted()).toBe(before + 1);
    expect(log.text()).not.toContain('body-canary');
  });

  it('logs no integration id that is not one', async () => {
    const socket = await startDelivery('/hooks/not-an-id%20canary');
    const countBefore = abortLines().length;
    socket.destroy();
    const line = await waitFor('the abort log line', async () => abortLines()[countBefore]);
    expect(line).toEqual(expect.objectContaining({ cause: 'hang_up', bytesReceived: expect.any(Number) }));
    expect(line).not.toHaveProperty('integrationId');
    expect(log.text()).not.toContain('not-an-id');
  });

  it('logs a client hanging up in a loop a few times a minute, counts every one, and says how many it held back', async () => {
    // Its own listener, so its allowance is untouched by the tests above.
    const flooded = await listen(test.app, 0, '127.0.0.1', await webhookListener(test.hub, { bodyTimeoutMs: BODY_TIMEOUT_MS }), test.hub);
    const before = await aborted();
    const ids: string[] = Array.from({ length: LOGGED_PER_WINDOW + 3 }, () => randomUUID());
    for (const id of ids) (await startDelivery(`/hooks/${id}`, '', flooded.port)).destroy();
    await waitFor('every aborted delivery to be counted', async () => (await aborted()) === before + ids.length);
    expect(abortLines().filter((line) => ids.includes(line['integrationId'] as string))).toHaveLength(LOGGED_PER_WINDOW);
    const summaries = () => log.records().filter((line) => line['notLogged'] !== undefined);
    expect(summaries()).toEqual([]);
    await flooded.close(1_000);
    expect(summaries()).toEqual([expect.objectContaining({ level: 30, outcome: 'aborted', cause: 'hang_up', notLogged: 3 })]);
  });

  it('still takes a whole delivery', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/hooks/${randomUUID()}`, { method: 'POST', body: '{}' });
    // Read in full, then refused for the address: an unknown integration, not an aborted body.
    expect(response.status).toBe(404);
  });
});
