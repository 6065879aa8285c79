import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../db/database.connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { ensureTenant } from '../tenancy/tenant.repository.ts';
import { runHubCommand } from '../../test-support/hub-process.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';

// `hub keys rotate` as a real CLI process against PostgreSQL.

let database: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await createTestDatabase('keys_cli');
  handle = await connectDatabase({ url: database.url, dataDir: '' });
  await migrateToLatest(handle.db as never);
  const { tenant } = await ensureTenant(handle.db, 'default', 'Default tenant');
  // A secret sealed with key version 7, which the key set below no longer lists.
  await sql`update tenants set fingerprint_key_ciphertext = 'sealed-with-v7', fingerprint_key_version = 7 where id = ${tenant.id}`.execute(handle.db);
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

describe('hub keys rotate', () => {
  it('stops with one line naming the missing key version, not a stack trace, when a stored secret uses it', async () => {
    const keys = `2:${Buffer.alloc(32, 2).toString('base64')},1:${Buffer.alloc(32, 1).toString('base64')}`;
    const result = await runHubCommand(['keys', 'rotate'], { DATABASE_URL: database.url, HUB_MASTER_KEYS: keys });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^hub: HUB_MASTER_KEYS cannot decrypt stored secrets: 1 rows of .* use key version 7\./);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
