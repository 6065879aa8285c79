import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeTokenLine } from '../../core/auth/api-token-revocation.ts';
import { connectDatabase, type DatabaseHandle } from '../../core/db/database.connect.ts';
import { migrateToLatest } from '../../core/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { migrations } from './index.ts';

// Tokens made before makers were recorded keep an unknown maker: a revocation with descendants
// reaches none of them through a line it cannot see.

const beforeThis = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0030'));

describe.each(['postgres', 'embedded'] as const)('migration 0030 on %s', (mode) => {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    if (mode === 'postgres') {
      database = await createTestDatabase('token_makers');
      handle = await connectDatabase({ url: database.url, dataDir: '' });
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'hub-token-makers-'));
      handle = await connectDatabase({ dataDir });
    }
  });
  afterAll(async () => {
    await handle.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves the maker of existing tokens unknown, so revoking one with descendants revokes it alone', async () => {
    const db = handle.db;
    await migrateToLatest(db as never, beforeThis);
    const tenant = await db.insertInto('tenants').values({ slug: 'old', name: 'old' }).returning('id').executeTakeFirstOrThrow();
    const token = (name: string) => ({ tenant_id: tenant.id, role: 'admin' as const, name, created_by: name === 'first' ? 'cli:root' : 'token:first', display_prefix: 'hub_x', token_hash: `hash-${name}` });
    await db.insertInto('api_tokens').values([token('first'), token('made-by-first')]).execute();

    await migrateToLatest(db as never);

    const rows = await db.selectFrom('api_tokens').select(['id', 'name', 'created_by_token_id', 'created_by_user_id', 'descendants_revoked_at']).orderBy('name').execute();
    expect(rows.map(({ id: _id, ...rest }) => rest)).toEqual([
      { name: 'first', created_by_token_id: null, created_by_user_id: null, descendants_revoked_at: null },
      { name: 'made-by-first', created_by_token_id: null, created_by_user_id: null, descendants_revoked_at: null },
    ]);
    const first = rows.find((row) => row.name === 'first')!;
    const revocation = await revokeTokenLine(db, tenant.id, first.id, { withDescendants: true, at: new Date(), actor: { actorType: 'cli', actorId: 'cli:test' } });
    expect(revocation?.revoked.map((row) => row.name)).toEqual(['first']);
  });
});
