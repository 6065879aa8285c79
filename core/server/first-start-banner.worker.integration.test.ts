// README, docker-compose: `docker compose logs api worker | grep -A4 "First start"` — "the first
// admin token (whichever started first prints it)". The compose worker has HUB_PROBE_PORT set and
// shares PORT with the API. When the worker starts first, its banner's "Try it: curl …" must name
// the API's address, not its probe port, which serves only /metrics and /api/health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test-support/free-port.ts';
import { spawnHub, type HubProcess } from '../../test-support/hub-process.ts';
import { createTestDatabase, testRedisUrl, uniquePrefix, type TestDatabase } from '../../test-support/test-database.ts';
import { deleteRedisKeys } from '../../test-support/redis-keys.ts';

describe('a first start by a worker with HUB_PROBE_PORT (docker-compose, worker up first)', () => {
  let database: TestDatabase;
  const prefix = uniquePrefix('readme-banner');
  const processes: HubProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('readme_banner');
  });
  afterAll(async () => {
    for (const hub of processes) await hub.stop();
    await deleteRedisKeys(prefix);
    await database?.drop();
  });

  it('prints a curl and an admin UI address that answer', async () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      HUB_QUEUE_PREFIX: prefix,
      HUB_MASTER_KEYS: `1:${Buffer.alloc(32, 9).toString('base64')}`,
      LOG_LEVEL: 'warn',
    };
    const port = String(await freePort());
    const worker = spawnHub(['start'], { ...env, PORT: port, HUB_ROLE: 'worker', HUB_PROBE_PORT: '0', LOG_LEVEL: 'info' });
    processes.push(worker);
    await worker.started;
    const api = spawnHub(['start'], { ...env, PORT: port, HUB_ROLE: 'api', LOG_LEVEL: 'info' });
    processes.push(api);
    await api.started;

    const banner = worker.stdout();
    const curl = /curl -H "Authorization: Bearer (hub_[A-Za-z0-9_-]{43})" (localhost:\d+\/api\/integrations)/.exec(banner);
    expect(curl, banner).not.toBeNull();
    const [, token, address] = curl!;
    const tried = await fetch(`http://${address}`, { headers: { authorization: `Bearer ${token}` } });
    expect({ address, status: tried.status }).toEqual({ address, status: 200 });
  });
});
