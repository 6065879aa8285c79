import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../db/database.connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { ensureTenant } from '../tenancy/tenant.repository.ts';
import { runHubCommand } from '../../test-support/hub-process.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';

// A rolling upgrade: a newer hub has migrated the shared database, and this version's CLI (run
// from one of its pods) or a process of it started after the migration meets a migration it does
// not know. It says so in one line, not that the migrations are corrupted, and changes nothing.

let database: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await createTestDatabase('cli_newer_schema');
  handle = await connectDatabase({ url: database.url, dataDir: '' });
  await migrateToLatest(handle.db as never);
  await ensureTenant(handle.db, 'default', 'Default tenant');
  await sql`insert into kysely_migration (name, timestamp) values ('9999_from_a_newer_version', ${new Date().toISOString()})`.execute(handle.db);
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

const env = () => ({ DATABASE_URL: database.url, USER: 'tester', LOG_LEVEL: 'silent', HUB_MASTER_KEYS: `1:${Buffer.alloc(32, 1).toString('base64')}` });
const refusal = 'hub: the database was migrated by a newer hub version (9999_from_a_newer_version); use that version\n';

describe('the CLI against a database migrated by a newer version', () => {
  it.each([
    [['token', 'list', '--tenant', 'default']],
    [['migrate']],
    // The same check refuses a start: the README's "one started after the migration refuses to start".
    [['start']],
  ])('hub %j says the database is newer, in one line', async (args) => {
    // A Redis nobody listens on: the start must stop at the schema, before the queue.
    const run = await runHubCommand(args, { ...env(), REDIS_URL: 'redis://127.0.0.1:1' });
    expect(run).toMatchObject({ code: 1, stderr: refusal });
  });
});
