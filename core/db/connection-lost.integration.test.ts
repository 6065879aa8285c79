import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnHub, type HubProcess } from '../../test-support/hub-process.ts';
import { signedServiceNowPush } from '../../test-support/servicenow-push.ts';
import { createTestDatabase, testRedisUrl, uniquePrefix, type TestDatabase } from '../../test-support/test-database.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// README: "When Redis or PostgreSQL is down, GET /api/health answers 503 with the failing check and
// the process keeps running". A PostgreSQL connection that dies while it is checked out of the
// pool (a restart, a failover, an admin kill, an idle-in-transaction timeout) emits 'error' on its
// pg client; unheard, that is an uncaught exception, and the whole hub process would exit with every
// run and request it had in flight.

const masterKeys = `1:${Buffer.alloc(32, 9).toString('base64')}`;
const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
let database: TestDatabase;
let hub: HubProcess | undefined;

beforeAll(async () => {
  database = await createTestDatabase('pg_conn_lost');
});
afterAll(async () => {
  await hub?.stop('SIGKILL');
  await database.drop();
});

describe('a PostgreSQL connection lost under a request', () => {
  it('fails that request with 503 database_unavailable and Retry-After, and keeps the process running', { timeout: 60_000 }, async () => {
    hub = spawnHub(['start'], {
      NODE_ENV: 'production', HUB_MASTER_KEYS: masterKeys, DATABASE_URL: database.url, REDIS_URL: testRedisUrl(),
      HUB_QUEUE_PREFIX: uniquePrefix('pgl'), HUB_ROLE: 'all', HUB_SHUTDOWN_TIMEOUT_MS: '2000',
    });
    const port = await hub.started;
    const token = /Bearer (hub_[A-Za-z0-9_-]{43})/.exec(hub.stdout())?.[1];
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`http://127.0.0.1:${port}/api/integrations`, {
      method: 'POST', headers,
      body: JSON.stringify({ connector: 'servicenow', name: 'sn', config: { instanceUrl: 'http://127.0.0.1:9' }, credentials: { auth: { type: 'basic', username: 'u', password: 'p' } }, schedules: { incident: { enabled: false }, change_request: { enabled: false } } }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    // Hold the integration's row so /pause waits inside its transaction, then end that backend.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query('select id from integration_configs where id = $1 for update', [id]);
    const pausing = fetch(`http://127.0.0.1:${port}/api/integrations/${id}/pause`, { method: 'POST', headers }).then(
      async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), error: ((await r.json()) as { error: { code: string; runbook?: string } }).error }),
      (e) => `fetch failed: ${e.cause?.code ?? e.message}`,
    );
    const pid = await waitFor('the pause to wait for the row lock', async () => {
      const { rows } = await locker.query(`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`);
      return rows[0]?.pid as number | undefined;
    });
    await locker.query('select pg_terminate_backend($1)', [pid]);
    await locker.query('rollback');
    await locker.end();

    expect(await pausing).toMatchObject({ status: 503, retryAfter: '5', error: { code: 'database_unavailable', runbook: 'runbooks/database_unavailable.md' } });
    await sleep(500);
    expect(hub.child.exitCode).toBeNull();
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);

    // A webhook delivery whose commit loses its connection: 503 with Retry-After, so the sender
    // sends it again, and nothing is stored.
    expect((await fetch(`http://127.0.0.1:${port}/api/integrations/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ credentials: { auth: { type: 'basic', username: 'u', password: 'p' }, webhookSecret: WEBHOOK_SECRET } }) })).status).toBe(200);
    const tableLock = new pg.Client({ connectionString: database.url });
    await tableLock.connect();
    await tableLock.query('begin');
    await tableLock.query('lock table integration_events in access exclusive mode');
    const push = signedServiceNowPush(WEBHOOK_SECRET, { table: 'incident', action: 'insert', record: { sys_id: 'a'.repeat(32), number: 'INC0010001' } }, { id: 'msg_lost' });
    const delivering = fetch(`http://127.0.0.1:${port}/hooks/${id}`, { method: 'POST', ...push }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), error: ((await r.json()) as { error: { code: string; runbook?: string } }).error }));
    const inserter = await waitFor('the delivery to wait for the table lock', async () => {
      const { rows } = await tableLock.query(`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`);
      return rows[0]?.pid as number | undefined;
    });
    await tableLock.query('select pg_terminate_backend($1)', [inserter]);
    await tableLock.query('rollback');
    await tableLock.end();
    expect(await delivering).toMatchObject({ status: 503, retryAfter: '5', error: { code: 'database_unavailable', runbook: 'runbooks/database_unavailable.md' } });
    const check = new pg.Client({ connectionString: database.url });
    await check.connect();
    expect((await check.query('select count(*)::int as n from integration_events')).rows[0].n).toBe(0);
    await check.end();
    expect(hub.child.exitCode).toBeNull();
  });
});
