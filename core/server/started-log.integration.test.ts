import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.load.ts';
import { createLogger } from '../logging/logger.ts';
import { captureLog } from '../../test-support/captured-log.ts';
import { TEST_MASTER_KEYS } from '../../test-support/test-hub.ts';
import { createTestDatabase, testRedisUrl, uniquePrefix, type TestDatabase } from '../../test-support/test-database.ts';
import { startHub, type RunningHub } from './hub.server.ts';

// An operator running many processes reads from the "hub started" line which database and which
// queue each one joined: an API and a worker given different databases or queue prefixes never
// see each other's work, and nothing else says so. The line names them without their secrets.

const PASSWORD = 'pw-in-the-database-url';
let database: TestDatabase;
let hub: RunningHub | undefined;
const log = captureLog();
const prefix = uniquePrefix('started-log');

beforeAll(async () => {
  database = await createTestDatabase('started_log');
  // Trust authentication ignores the password; it is there to be kept out of the log.
  const url = new URL(database.url);
  url.username = 'postgres';
  url.password = PASSWORD;
  const config = loadConfig({
    NODE_ENV: 'production',
    HUB_MASTER_KEYS: TEST_MASTER_KEYS,
    DATABASE_URL: url.toString(),
    REDIS_URL: testRedisUrl(),
    HUB_QUEUE_PREFIX: prefix,
    HUB_ROLE: 'api',
    PORT: '0',
    HOST: '127.0.0.1',
  });
  hub = await startHub(config, createLogger({ level: 'info', destination: log.stream }));
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await database?.drop();
});

describe('the "hub started" log line of a production process', () => {
  it('names the role, the database server and name, the Redis server and the queue prefix', () => {
    const started = log.records().find((record) => record['msg'] === 'hub started');
    const redis = new URL(testRedisUrl());
    expect(started).toMatchObject({
      role: 'api',
      mode: 'production',
      database: 'postgres',
      databaseServer: `${new URL(database.url).hostname}:${new URL(database.url).port || '5432'}`,
      databaseName: database.name,
      queue: 'bullmq',
      redisServer: `${redis.hostname}:${redis.port || '6379'}`,
      queuePrefix: prefix,
      port: hub!.http!.port,
    });
    expect(typeof started?.['version']).toBe('string');
  });

  it('never carries the database password', () => {
    expect(log.text()).not.toContain(PASSWORD);
  });
});
