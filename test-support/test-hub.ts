import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { createApiToken } from '../core/auth/api-token.service.ts';
import type { Role } from '../core/auth/roles.ts';
import { loadConfig } from '../core/config/config.load.ts';
import { connectDatabase } from '../core/db/database.connect.ts';
import { migrateToLatest } from '../core/db/migrate.ts';
import { createApp } from '../core/http/app.ts';
import type { AppEnv } from '../core/http/app-env.ts';
import { createLogger } from '../core/logging/logger.ts';
import { createMemoryQueue } from '../core/queue/memory.queue.ts';
import type { JobQueue } from '../core/queue/queue.types.ts';
import type { HubContext } from '../core/server/hub-context.ts';
import { ensureTenant } from '../core/tenancy/tenant.repository.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
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
export async function startTestHub(options: { label: string; database?: 'postgres' | 'pglite'; queue?: JobQueue; connectors?: readonly AnyConnector[] }): Promise<TestHub> {
  let testDatabase: TestDatabase | undefined;
  let dataDir: string | undefined;
  if ((options.database ?? 'postgres') === 'postgres') testDatabase = await createTestDatabase(options.label);
  else dataDir = mkdtempSync(join(tmpdir(), 'hub-test-'));

  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...(testDatabase ? { DATABASE_URL: testDatabase.url } : {}), ...(dataDir ? { HUB_DATA_DIR: dataDir } : {}) });
  const database = await connectDatabase({ url: config.DATABASE_URL, dataDir: config.HUB_DATA_DIR, poolSize: 5 });
  await migrateToLatest(database.db as never);
  const queue = options.queue ?? createMemoryQueue();
  const hub: HubContext = createHubContext({
    config,
    database,
    queue,
    logger: createLogger({ level: 'silent' }),
    masterKeys: resolveMasterKeys(TEST_MASTER_KEYS, config.HUB_DATA_DIR).keys,
    connectors: options.connectors ?? connectors,
  });
  const app = createApp(hub);

  return {
    hub,
    app,
    request(method, path, { token, body, headers = {} } = {}) {
      const init: RequestInit = { method: method.toUpperCase(), headers: { ...headers } };
      if (token) (init.headers as Record<string, string>)['authorization'] = `Bearer ${token}`;
      if (body !== undefined) {
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
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
      await queue.close(1_000);
      await database.close();
      await testDatabase?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
