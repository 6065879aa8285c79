import type { Kysely } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../core/db/database.connect.ts';
import type { Database } from '../core/db/database.types.ts';
import { migrateToLatest } from '../core/db/migrate.ts';
import { ensureTenant } from '../core/tenancy/tenant.repository.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

// In-process CLI tests: a fresh migrated PostgreSQL database with the default tenant, which the
// commands find through DATABASE_URL for the file's tests. The variables named in `restore` (and
// DATABASE_URL) are put back as they were afterwards.

export interface CliTestDatabase {
  readonly url: string;
  readonly db: Kysely<Database>;
}

export function cliTestDatabase(label: string, restore: string[] = []): CliTestDatabase {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  const saved = Object.fromEntries(['DATABASE_URL', ...restore].map((name) => [name, process.env[name]]));
  beforeAll(async () => {
    database = await createTestDatabase(label);
    handle = await connectDatabase({ url: database.url, dataDir: '' });
    await migrateToLatest(handle.db as never);
    await ensureTenant(handle.db, 'default', 'Default tenant');
    process.env['DATABASE_URL'] = database.url;
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await handle?.close();
    await database?.drop();
  });
  return {
    get url() {
      return database.url;
    },
    get db() {
      return handle.db;
    },
  };
}
