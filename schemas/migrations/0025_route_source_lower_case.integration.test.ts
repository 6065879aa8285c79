import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../core/db/database.connect.ts';
import { migrateToLatest } from '../../core/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { migrations } from './index.ts';

// Routes an earlier version stored with their source integration's id in upper case never matched
// an event (routing compares the id as text); the migration writes such ids as PostgreSQL prints them.

const beforeThis = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0025'));

describe.each(['postgres', 'embedded'] as const)('migration 0025 on %s', (mode) => {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    if (mode === 'postgres') {
      database = await createTestDatabase('route_source_case');
      handle = await connectDatabase({ url: database.url, dataDir: '' });
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'hub-route-source-case-'));
      handle = await connectDatabase({ dataDir });
    }
  });
  afterAll(async () => {
    await handle.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lower-cases a stored source id and leaves every other filter as it was', async () => {
    const db = handle.db;
    await migrateToLatest(db as never, beforeThis);
    const tenant = await db.insertInto('tenants').values({ slug: 'case', name: 'case' }).returning('id').executeTakeFirstOrThrow();
    const integration = (name: string) => ({ tenant_id: tenant.id, connector: 'servicenow', name, environment: 'production' as const });
    const [source, target] = await db.insertInto('integration_configs').values([integration('source'), integration('target')]).returning('id').execute();
    const route = (name: string, filter: object) => ({ tenant_id: tenant.id, name, filter: JSON.stringify(filter), target_integration_id: target!.id, action: 'create_incident' });
    const upper = { sourceIntegrationId: source!.id.toUpperCase(), eventType: 'incident.*', fields: { 'record.priority': '1' } };
    const lower = { sourceIntegrationId: source!.id, connector: 'servicenow' };
    const none = { eventType: 'failure.*' };
    await db.insertInto('routes').values([route('upper', upper), route('lower', lower), route('none', none)]).execute();

    await migrateToLatest(db as never);

    const filters = Object.fromEntries((await db.selectFrom('routes').select(['name', 'filter']).execute()).map((row) => [row.name, row.filter]));
    expect(filters).toEqual({ upper: { ...upper, sourceIntegrationId: source!.id }, lower, none });
  });
});
