import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { DestinationStream } from 'pino';
import { createApiToken } from '../core/auth/api-token.service.ts';
import type { Role } from '../core/auth/roles.ts';
import { loadConfig } from '../core/config/config.load.ts';
import { connectDatabase } from '../core/db/database.connect.ts';
import { migrateToLatest } from '../core/db/migrate.ts';
import { createApp } from '../core/http/app.ts';
import type { AppEnv } from '../core/http/app-env.ts';
import { createLogger } from '../core/logging/logger.ts';
import { createMemoryQueue } from '../core/queue/memory.queue.ts';
import type { HubContext } from '../core/server/hub-context.ts';
import { ensureTenant } from '../core/tenancy/tenant.repository.ts';
import { createTestDatabase, testRedisUrl, uniquePrefix, type TestDatabase } from './test-database.ts';
import { createBullmqQueue } from '../core/queue/bullmq.queue.ts';
import { startWorkers } from '../core/server/job-handlers.ts';
import { jobRegistrations } from '../core/server/hub-services.ts';
import { scheduleMaintenance } from '../core/server/maintenance.ts';
import { keepSchedules } from '../core/server/schedule-keeper.ts';
import { deleteRedisKeys } from './redis-keys.ts';
import { createHubContext } from '../core/server/hub-services.ts';
import { resolveMasterKeys } from '../core/vault/master-key.file.ts';
import { connectors } from '../connectors/registry.ts';
import type { AnyConnector } from '../connectors/sdk/define-connector.ts';

export const TEST_MASTER_KEYS = `1:${Buffer.alloc(32, 7).toString('base64')}`;

export interface TestTenant {
  id: string;
  slug: string;
  tokens: Record<Role, string>;
}

/** A fetch Response whose JSON is loosely typed, since tests assert on its shape. */
export type TestResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface TestHub {
  hub: HubContext;
  app: Hono<AppEnv>;
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<TestResponse>;
  createTenant(slug: string): Promise<TestTenant>;
  close(): Promise<void>;
}

/**
 * The hub's services and HTTP app on a fresh database: PostgreSQL (one database per call) or
 * PGlite in a temp directory. Requests go through the real Hono app in-process.
 */
export interface TestHubOptions {
  label: string;
  database?: 'postgres' | 'pglite';
  /** The in-process queue by default; 'bullmq' uses the local Redis under a fresh prefix. */
  queue?: 'memory' | 'bullmq';
  connectors?: readonly AnyConnector[];
  /** Consume the hub's queues in this process (runs, events, maintenance). */
  workers?: boolean;
  env?: Record<string, string>;
  /** Share another test hub's database instead of creating one (a second process, in effect). */
  shareDatabaseOf?: TestHub;
  /** Where log lines go (debug level); silent when absent. */
  logTo?: DestinationStream;
}

export async function startTestHub(options: TestHubOptions): Promise<TestHub> {
  let testDatabase: TestDatabase | undefined;
  let dataDir: string | undefined;
  const shared = options.shareDatabaseOf;
  if (shared) {
    // Reuse the other hub's database URL and queue prefix, as a second process would.
  } else if ((options.database ?? 'postgres') === 'postgres') testDatabase = await createTestDatabase(options.label);
  else dataDir = mkdtempSync(join(tmpdir(), 'hub-test-'));

  const queuePrefix = shared?.hub.config.HUB_QUEUE_PREFIX ?? uniquePrefix(options.label);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HUB_QUEUE_PREFIX: queuePrefix,
    ...(shared?.hub.config.DATABASE_URL ? { DATABASE_URL: shared.hub.config.DATABASE_URL } : {}),
    ...(testDatabase ? { DATABASE_URL: testDatabase.url } : {}),
    ...(dataDir ? { HUB_DATA_DIR: dataDir } : {}),
    ...options.env,
  });
  const database = await connectDatabase({ url: config.DATABASE_URL, dataDir: config.HUB_DATA_DIR, poolSize: 5 });
  await migrateToLatest(database.db as never);
  const queue = options.queue === 'bullmq' ? createBullmqQueue({ redisUrl: testRedisUrl(), prefix: queuePrefix }) : createMemoryQueue();
  const hub: HubContext = createHubContext({
    config,
    database,
    queue,
    logger: options.logTo ? createLogger({ level: 'debug', destination: options.logTo }) : createLogger({ level: 'silent' }),
    masterKeys: resolveMasterKeys(TEST_MASTER_KEYS, config.HUB_DATA_DIR).keys,
    connectors: options.connectors ?? connectors,
  });
  const app = createApp(hub);
  let stopKeepingSchedules: (() => Promise<void>) | undefined;
  if (options.workers) {
    startWorkers(hub, jobRegistrations(hub));
    await scheduleMaintenance(hub);
    stopKeepingSchedules = await keepSchedules(hub);
  }

  return {
    hub,
    app,
    request(method, path, { token, body, headers = {} } = {}) {
      const init: RequestInit = { method: method.toUpperCase(), headers: { ...headers } };
      if (token) (init.headers as Record<string, string>)['authorization'] = `Bearer ${token}`;
      if (body !== undefined) {
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
        init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string | Uint8Array<ArrayBuffer>) : JSON.stringify(body);
      }
      return Promise.resolve(app.request(path, init));
    },
    async createTenant(slug) {
      const { tenant } = await ensureTenant(database.db, slug, slug);
      const tokens = {} as Record<Role, string>;
      for (const role of ['admin', 'operator', 'viewer'] as const) {
        tokens[role] = (await createApiToken(database.db, { tenantId: tenant.id, role, name: `${slug}-${role}`, createdBy: 'test' })).token;
      }
      return { id: tenant.id, slug, tokens };
    },
    async close() {
      await stopKeepingSchedules?.();
      await queue.close(2_000);
      await database.close();
      if (options.queue === 'bullmq' && !shared) await deleteRedisKeys(queuePrefix);
      await testDatabase?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
