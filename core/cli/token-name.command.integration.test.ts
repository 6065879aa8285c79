import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../test-support/cli-in-process.ts';
import { connectDatabase, type DatabaseHandle } from '../db/database.connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { ensureTenant } from '../tenancy/tenant.repository.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { tokenCommand } from './token.command.ts';
import { CreateApiTokenRequest } from '../../schemas/api/token.schema.ts';

let database: TestDatabase;
let handle: DatabaseHandle;
const saved = process.env['DATABASE_URL'];
beforeAll(async () => {
  database = await createTestDatabase('cli_token_name');
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

// A token's name is taken as the API and the admin UI take it: trimmed, 1–100 characters.
describe('hub token create --name', () => {
  it.each([
    ['blank', '   '],
    ['longer than the API allows', 'x'.repeat(5000)],
  ])('refuses a %s name, as POST /api/tokens and the admin UI do', async (_label, name) => {
    expect(CreateApiTokenRequest.safeParse({ name, role: 'viewer' }).success).toBe(false);
    const outcome = await runCliInProcess(() => tokenCommand(['create', '--tenant', 'default', '--role', 'viewer', '--name', name]));
    
    expect(outcome.error).toBeDefined();
    const rows = await handle.db.selectFrom('api_tokens').select('name').execute();
    expect(rows).toEqual([]);
  });
});
