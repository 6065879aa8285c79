import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnHub, type HubProcess } from '../../test-support/hub-process.ts';
import { privateRedis, type PrivateRedis } from '../../test-support/private-redis.ts';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../../test-support/test-database.ts';

// The same hub on PostgreSQL and BullMQ: split api and worker processes sharing one database and
// one Redis, and a Redis outage that turns health 503 without taking the process down.

const masterKeys = `1:${Buffer.alloc(32, 9).toString('base64')}`;
let database: TestDatabase;
let redis: PrivateRedis;
const processes: HubProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('production_mode');
  redis = await privateRedis();
});
afterAll(async () => {
  await Promise.all(processes.map((hub) => hub.stop('SIGKILL')));
  await redis.stop();
  await database.drop();
});

function env(role: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HUB_MASTER_KEYS: masterKeys,
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    HUB_QUEUE_PREFIX: uniquePrefix('prod'),
    HUB_ROLE: role,
    HUB_SHUTDOWN_TIMEOUT_MS: '3000',
  };
}

async function health(port: number): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${port}/api/health`);
  return { status: response.status, body: await response.json() };
}

describe('production mode', () => {
  let apiPort = 0;

  it('starts an api and a worker process on one PostgreSQL and Redis, printing one admin token', async () => {
    const api = spawnHub(['start'], env('api'));
    const worker = spawnHub(['start'], env('worker'));
    processes.push(api, worker);
    [apiPort] = await Promise.all([api.started, worker.started]);

    const tokens = [api, worker].map((hub) => /Bearer (hub_[A-Za-z0-9_-]{43})/.exec(hub.stdout())?.[1]).filter(Boolean);
    expect(tokens).toHaveLength(1);
    expect(worker.stdout()).toMatch(/"role":"worker"/);

    const { status, body } = await health(apiPort);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      role: 'api',
      checks: { database: { status: 'up', kind: 'postgres' }, queue: { status: 'up', kind: 'redis' } },
    });
    const listed = await fetch(`http://127.0.0.1:${apiPort}/api/integrations`, { headers: { authorization: `Bearer ${tokens[0]}` } });
    expect(listed.status).toBe(200);
  });

  it('answers 503 while Redis is down, keeps running, and recovers', async () => {
    await redis.stop();
    const down = await health(apiPort);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks.queue.status).toBe('down');
    expect(down.body.checks.database.status).toBe('up');
    expect(processes.every((hub) => hub.child.exitCode === null)).toBe(true);

    await redis.start();
    let recovered = down;
    for (let attempt = 0; attempt < 60 && recovered.status !== 200; attempt++) {
      await sleep(250);
      recovered = await health(apiPort);
    }
    expect(recovered.status).toBe(200);
  });

  it('shuts both roles down gracefully on SIGTERM', async () => {
    const codes = await Promise.all(processes.splice(0).map((hub) => hub.stop('SIGTERM')));
    expect(codes).toEqual([0, 0]);
  });
});
