import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../test-support/cli-in-process.ts';
import { connectDatabase, type DatabaseHandle } from '../db/database.connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { ensureTenant } from '../tenancy/tenant.repository.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { tokenCommand } from './token.command.ts';

let database: TestDatabase;
let handle: DatabaseHandle;
const saved = process.env['DATABASE_URL'];
beforeAll(async () => {
  database = await createTestDatabase('cli_token_list');
  handle = await connectDatabase({ url: database.url, dataDir: '' });
  await migrateToLatest(handle.db as never);
  await ensureTenant(handle.db, 'default', 'Default tenant');
  process.env['DATABASE_URL'] = database.url;
});
afterAll(async () => {
  if (saved === undefined) delete process.env['DATABASE_URL'];
  else process.env['DATABASE_URL'] = saved;
  await handle?.close();
  await database?.drop();
});

// An operator replacing tokens before they lapse reads the expiry from `hub token list`, as the
// admin UI's token page shows it.
describe('hub token list', () => {
  it('shows when each token expires, and which never do', async () => {
    const create = (name: string, ...more: string[]) => runCliInProcess(() => tokenCommand(['create', '--tenant', 'default', '--role', 'viewer', '--name', name, ...more]));
    expect((await create('lapsing', '--expires', '2031-01-31')).error).toBeUndefined();
    expect((await create('lasting')).error).toBeUndefined();

    const listed = await runCliInProcess(() => tokenCommand(['list', '--tenant', 'default']));
    expect(listed.error).toBeUndefined();
    const lineOf = (name: string) => listed.stdout.split('\n').find((line) => line.endsWith(`  ${name}`));
    expect(lineOf('lapsing')).toMatch(/…\s+expires 2031-01-31T00:00:00\.000Z\s+viewer\s+active\s+never used\s+lapsing$/);
    expect(lineOf('lasting')).toMatch(/…\s+no expiry\s+viewer\s+active\s+never used\s+lasting$/);
  });
});
