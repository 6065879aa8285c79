import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../core/db/database.connect.ts';
import { migrateToLatest } from '../../core/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { migrations } from './index.ts';

// Hints stored by an earlier version kept the last four characters of the secret in clear (a
// password's `••••tery`); the migration keeps only that a secret is set.

const beforeThis = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0028'));

describe.each(['postgres', 'embedded'] as const)('migration 0028 on %s', (mode) => {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    if (mode === 'postgres') {
      database = await createTestDatabase('credential_hint_tail');
      handle = await connectDatabase({ url: database.url, dataDir: '' });
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'hub-credential-hint-tail-'));
      handle = await connectDatabase({ dataDir });
    }
  });
  afterAll(async () => {
    await handle.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('drops the tail of every stored hint and leaves integrations without credentials without one', async () => {
    const db = handle.db;
    await migrateToLatest(db as never, beforeThis);
    const tenant = await db.insertInto('tenants').values({ slug: 'hints', name: 'hints' }).returning('id').executeTakeFirstOrThrow();
    const integration = (name: string, hint: string | null) => ({ tenant_id: tenant.id, connector: 'servicenow', name, environment: 'production' as const, credentials_hint: hint });
    await db.insertInto('integration_configs').values([integration('long', '••••tery'), integration('short', '••••'), integration('none', null)]).execute();

    await migrateToLatest(db as never);

    const hints = Object.fromEntries((await db.selectFrom('integration_configs').select(['name', 'credentials_hint']).execute()).map((row) => [row.name, row.credentials_hint]));
    expect(hints).toEqual({ long: '••••', short: '••••', none: null });
  });
});
