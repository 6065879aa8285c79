import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../core/db/database.connect.ts';
import { migrateToLatest } from '../../core/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { migrations } from './index.ts';

// Schedules an earlier version stored as nicknames are rewritten as the fields the API now reads
// them as, so the admin form saves such an integration again and both queues read one schedule.

const beforeThis = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0023'));

const stored = {
  incident: { cron: '@annually', tz: 'Europe/Berlin' },
  change_request: { cron: '@Hourly', enabled: false },
  sc_task: { everySeconds: 600 },
  other: { cron: '*/5 * * * *' },
  unknown: { cron: '@reboot' },
};

describe.each(['postgres', 'embedded'] as const)('migration 0023 on %s', (mode) => {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    if (mode === 'postgres') {
      database = await createTestDatabase('cron_nicknames');
      handle = await connectDatabase({ url: database.url, dataDir: '' });
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'hub-cron-nicknames-'));
      handle = await connectDatabase({ dataDir });
    }
  });
  afterAll(async () => {
    await handle.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes stored nicknames as their fields and leaves every other schedule as it was', async () => {
    const db = handle.db;
    await migrateToLatest(db as never, beforeThis);
    const tenant = await db.insertInto('tenants').values({ slug: 'nick', name: 'nick' }).returning('id').executeTakeFirstOrThrow();
    const row = (name: string, schedules: object) => ({ tenant_id: tenant.id, connector: 'servicenow', name, environment: 'production' as const, schedules: JSON.stringify(schedules) });
    const [nicknamed, plain] = await db.insertInto('integration_configs').values([row('nicknamed', stored), row('plain', { other: stored.other })]).returning(['id', 'updated_at']).execute();

    await migrateToLatest(db as never);

    const after = await db.selectFrom('integration_configs').select(['id', 'schedules', 'updated_at']).orderBy('name').execute();
    expect(after.find((one) => one.id === nicknamed!.id)).toEqual({
      id: nicknamed!.id,
      schedules: {
        incident: { cron: '0 0 1 1 *', tz: 'Europe/Berlin' },
        change_request: { cron: '0 * * * *', enabled: false },
        sc_task: { everySeconds: 600 },
        other: { cron: '*/5 * * * *' },
        unknown: { cron: '@reboot' },
      },
      updated_at: nicknamed!.updated_at,
    });
    expect(after.find((one) => one.id === plain!.id)).toEqual({ id: plain!.id, schedules: { other: stored.other }, updated_at: plain!.updated_at });
  });
});
