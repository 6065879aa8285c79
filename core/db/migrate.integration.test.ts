import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../schemas/migrations/index.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { connectDatabase, type DatabaseHandle } from './database.connect.ts';
import { DatabaseNewerError, migrateToLatest, MigrationFailedError } from './migrate.ts';
import type { ApiTokenRow } from './database.types.ts';
import { toApiToken } from '../auth/api-token.mapper.ts';

const TABLES = [
  'admin_login_attempts',
  'admin_sessions',
  'api_tokens',
  'audit_log',
  'chat_user_links',
  'credential_rotations',
  'integration_configs',
  'integration_credentials_audit',
  'integration_cursors',
  'integration_events',
  'integration_health_metrics',
  'integration_records',
  'integration_runs',
  'routes',
  'task_alerts',
  'task_history',
  'tasks',
  'tenant_setting_changes',
  'tenants',
  'users',
];

let postgresDb: TestDatabase;
let postgres: DatabaseHandle;
let pglite: DatabaseHandle;
let pgliteDir: string;

beforeAll(async () => {
  postgresDb = await createTestDatabase('migrate');
  postgres = await connectDatabase({ url: postgresDb.url, dataDir: '' });
  pgliteDir = mkdtempSync(join(tmpdir(), 'hub-migrate-'));
  pglite = await connectDatabase({ dataDir: pgliteDir });
});
afterAll(async () => {
  await postgres.close();
  await pglite.close();
  await postgresDb.drop();
  rmSync(pgliteDir, { recursive: true, force: true });
});

async function describeSchema(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ line: string }>`
    select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable as line
    from information_schema.columns where table_schema = 'public' and table_name not like 'kysely_%'
    order by table_name, column_name`.execute(db);
  const indexes = await sql<{ line: string }>`
    select indexname || ': ' || indexdef as line from pg_indexes where schemaname = 'public' and tablename not like 'kysely_%'
    order by indexname`.execute(db);
  return [...rows, ...indexes.rows].map((row) => row.line);
}

describe('migrations', () => {
  it('create the same schema on PostgreSQL and PGlite', async () => {
    await migrateToLatest(postgres.db as never);
    await migrateToLatest(pglite.db as never);
    const onPostgres = await describeSchema(postgres.db as never);
    expect(onPostgres.length).toBeGreaterThan(100);
    expect(await describeSchema(pglite.db as never)).toEqual(onPostgres);
  });

  it('put tenant_id on every table but tenants', async () => {
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.columns
      where table_schema = 'public' and column_name = 'tenant_id' order by table_name`.execute(postgres.db);
    expect(rows.map((row) => row.table_name)).toEqual(TABLES.filter((table) => table !== 'tenants'));
  });

  it('are idempotent: a second run applies nothing', async () => {
    expect(await migrateToLatest(postgres.db as never)).toEqual([]);
  });

  it('stop with the failing migration name and its error', async () => {
    const broken = {
      ...migrations,
      '0999_broken': { up: async (db: Kysely<unknown>) => void (await sql`alter table no_such_table add column x int`.execute(db)) },
    };
    const failure = await migrateToLatest(postgres.db as never, broken).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationFailedError);
    expect((failure as MigrationFailedError).migration).toBe('0999_broken');
    expect((failure as Error).message).toMatch(/migration 0999_broken failed: .*no_such_table/);
  });

  it('refuse a database a newer version migrated, naming what this version does not know, before migrating', async () => {
    // This version as the previous one sees it: without its last two migrations.
    const names = Object.keys(migrations);
    const previous = Object.fromEntries(Object.entries(migrations).slice(0, -2));
    const failure = await migrateToLatest(postgres.db as never, previous).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseNewerError);
    expect((failure as Error).message).toBe(`the database was migrated by a newer hub version (${names.slice(-2).join(', ')}); use that version`);
  });

  it('say the database cannot be reached, and where to look, when none can start', async () => {
    const nowhere = await connectDatabase({ url: 'postgres://postgres@127.0.0.1:1/hub', dataDir: tmpdir() });
    try {
      const failure = await migrateToLatest(nowhere.db as never).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MigrationFailedError);
      expect((failure as MigrationFailedError).migration).toBeUndefined();
      expect((failure as Error).message).toMatch(/^cannot reach the database \(check DATABASE_URL\): connect ECONNREFUSED 127\.0\.0\.1:1/);
    } finally {
      await nowhere.close();
    }
  });

  it.each([
    ['a database that does not exist', 'postgres://postgres@127.0.0.1:5432/hub_no_such_database', /^cannot open the database \(check DATABASE_URL\): database "hub_no_such_database" does not exist/],
    ['a role that does not exist', 'postgres://hub_no_such_role@127.0.0.1:5432/postgres', /^cannot open the database \(check DATABASE_URL\): role "hub_no_such_role" does not exist/],
  ])('say the database cannot be opened, and where to look, for %s', async (_case, url, message) => {
    const wrong = await connectDatabase({ url, dataDir: tmpdir() });
    try {
      const failure = await migrateToLatest(wrong.db as never).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MigrationFailedError);
      expect((failure as Error).message).toMatch(message);
    } finally {
      await wrong.close();
    }
  });

  it('let the previous version write API tokens as it did, for a rolling upgrade after hub migrate', async () => {
    const db = postgres.db;
    const tenant = await db.insertInto('tenants').values({ slug: 'rolling', name: 'rolling' }).returning('id').executeTakeFirstOrThrow();
    // Exactly the columns the version before 0011 wrote: it knows nothing of persons.
    const { rows } = await sql<ApiTokenRow>`insert into api_tokens (tenant_id, role, name, created_by, display_prefix, token_hash, expires_at)
      values (${tenant.id}, 'admin', 'ci', 'user:old@example.com', 'hub_abcd', ${'h'.repeat(64)}, null) returning *`.execute(db);
    // Such a token acts for itself, as every token did before.
    expect(toApiToken(rows[0]!).person).toBe(`token:${rows[0]!.id}`);
  });

  it('keep one open task per integration and failure code', async () => {
    const db = postgres.db;
    const tenant = await db.insertInto('tenants').values({ slug: 't1', name: 't1' }).returning('id').executeTakeFirstOrThrow();
    const integration = await db
      .insertInto('integration_configs')
      .values({ tenant_id: tenant.id, connector: 'jira', name: 'jira', environment: 'production' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const task = (number: number) => ({
      tenant_id: tenant.id, number, integration_id: integration.id, code: 'auth_invalid', runbook: 'auth_invalid',
      title: 'auth', severity: 'high', status: 'open' as const,
    });
    await db.insertInto('tasks').values(task(1)).execute();
    await expect(db.insertInto('tasks').values(task(2)).execute()).rejects.toThrow(/tasks_one_open_per_code/);
    await db.updateTable('tasks').set({ status: 'resolved' }).execute();
    await db.insertInto('tasks').values(task(2)).execute();
  });

  it('tie events and polled records to the tenant of their integration, and remove them with the tenant', async () => {
    const db = postgres.db;
    const [owner, other] = await db.insertInto('tenants').values([{ slug: 'owner', name: 'owner' }, { slug: 'other', name: 'other' }]).returning('id').execute();
    const integration = await db
      .insertInto('integration_configs')
      .values({ tenant_id: owner!.id, connector: 'servicenow', name: 'sn', environment: 'production' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const event = (tenantId: string, key: string) => ({
      tenant_id: tenantId, integration_id: integration.id, source: 'webhook' as const, type: 'incident.update',
      payload: JSON.stringify({}), payload_hash: 'h', dedupe_key: key, status: 'processed' as const,
    });
    const record = (tenantId: string, externalId: string) => ({
      tenant_id: tenantId, integration_id: integration.id, stream: 'incident', external_id: externalId, payload_hash: 'h',
    });
    await expect(db.insertInto('integration_events').values(event(other!.id, 'k1')).execute()).rejects.toThrow(/integration_events_owner_fkey/);
    await expect(db.insertInto('integration_records').values(record(other!.id, 'r1')).execute()).rejects.toThrow(/integration_records_owner_fkey/);
    await db.insertInto('integration_events').values(event(owner!.id, 'k2')).execute();
    await db.insertInto('integration_records').values(record(owner!.id, 'r2')).execute();

    await db.deleteFrom('tenants').where('id', '=', owner!.id).execute();
    const left = await sql<{ events: number; records: number }>`
      select (select count(*) from integration_events where integration_id = ${integration.id})::int as events,
        (select count(*) from integration_records where integration_id = ${integration.id})::int as records`.execute(db);
    expect(left.rows[0]).toEqual({ events: 0, records: 0 });
  });
});
