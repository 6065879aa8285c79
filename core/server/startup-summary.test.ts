import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.load.ts';
import { startupSummary } from './startup-summary.ts';

const KEYS = `1:${Buffer.alloc(32, 3).toString('base64')}`;

describe('startupSummary', () => {
  it('names the servers of a production process without users, passwords or query options', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      HUB_MASTER_KEYS: KEYS,
      HUB_ROLE: 'worker',
      DATABASE_URL: 'postgres://hub:db-secret@db.internal:6432/hub_prod?sslmode=require&password=also-secret',
      REDIS_URL: 'rediss://default:redis-secret@cache.internal:6380/2?password=query-secret',
      HUB_QUEUE_PREFIX: 'grc',
    });
    const summary = startupSummary(config, { database: 'postgres', queue: 'bullmq', port: 9090 });
    expect(summary).toMatchObject({
      role: 'worker',
      mode: 'production',
      databaseServer: 'db.internal:6432',
      databaseName: 'hub_prod',
      redisServer: 'cache.internal:6380/2',
      queuePrefix: 'grc',
      port: 9090,
    });
    expect(JSON.stringify(summary)).not.toMatch(/secret|hub:|default:/);
  });

  it("takes a Unix socket directory from the URL's host option and fills in default ports", () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql:///hub?host=/var/run/postgresql', REDIS_URL: 'redis://cache' });
    expect(startupSummary(config, { database: 'postgres', queue: 'bullmq', port: 8080 })).toMatchObject({
      databaseServer: '/var/run/postgresql:5432',
      databaseName: 'hub',
      redisServer: 'cache:6379',
    });
  });

  it('names the data directory of an embedded process, and no queue server or prefix', () => {
    const summary = startupSummary(loadConfig({ HUB_DATA_DIR: '/srv/hub' }), { database: 'pglite', queue: 'memory', port: 8080 });
    expect(summary).toMatchObject({ mode: 'embedded', database: 'pglite', dataDir: '/srv/hub', queue: 'memory' });
    expect(summary).not.toHaveProperty('redisServer');
    expect(summary).not.toHaveProperty('queuePrefix');
  });
});
