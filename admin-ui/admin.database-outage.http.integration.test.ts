import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../test-support/test-hub.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/test-database.ts';
import { tcpProxy, type TcpProxy } from '../test-support/tcp-proxy.ts';

// An admin page the database failed for a reason that passes (an outage, a failover) answers as the
// API does: 503 with Retry-After and one warning, not 500 "internal error" with an error-level line
// and a stack, which would page whoever alerts on errors for what is an outage.

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
    done();
  },
});

let database: TestDatabase;
let proxy: TcpProxy;
let test: TestHub;

beforeAll(async () => {
  database = await createTestDatabase('obs_admin_outage');
  proxy = await tcpProxy(5432);
  const url = new URL(database.url);
  url.port = String(proxy.port);
  test = await startTestHub({ label: 'obs_admin_outage', env: { DATABASE_URL: url.toString() }, logTo: sink });
});
afterAll(async () => {
  proxy?.restore();
  await test?.close();
  await proxy?.close();
  await database?.drop();
});

it('answers an admin page the database failed like the API does: 503 and a warning, not 500 and an error', async () => {
  proxy.cut();
  // The JSON API, for comparison: 503 database_unavailable, a warning.
  const api = await test.request('get', '/api/integrations', { token: 'hub_' + 'x'.repeat(43) });
  expect(api.status).toBe(503);

  const page = await test.request('get', '/admin', { headers: { cookie: 'hub_session=' + 'A'.repeat(43) + '' } });
  const requestId = page.headers.get('x-request-id');
  const body = await page.text();
  const about = lines.filter((line) => line['requestId'] === requestId && line['msg'] !== 'request');

  expect(page.status).toBe(503);
  expect(page.headers.get('retry-after')).toBe('5');
  // No error-level line (pino level 50) with a stack trace for a passing outage.
  expect(about.filter((line) => (line['level'] as number) >= 50)).toEqual([]);
  expect(about.map((line) => line['msg'])).toContain('database unavailable for an admin UI page');
  expect(body).toContain('database did not answer');
});
