import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Each integration test file gets its own PostgreSQL database on the local server, so files run
// in parallel without seeing each other's rows.

const adminUrl = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** One statement on the server's maintenance database, on a connection of its own. */
async function asAdmin(statement: string, values: unknown[] = []): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(statement, values);
  } finally {
    await admin.end();
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `hub_test_${label.replace(/\W/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await asAdmin(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      await asAdmin(`drop database if exists "${name}" with (force)`);
    },
  };
}

/**
 * Ends every session on the database, as a failover or an admin's pg_terminate_backend does: the
 * pools of the processes using it find their connections dead on the next query.
 */
export async function terminateConnections(database: TestDatabase): Promise<void> {
  await asAdmin('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database.name]);
}

export function testRedisUrl(): string {
  return process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}

export function uniquePrefix(label: string): string {
  return `test-${label}-${randomBytes(4).toString('hex')}`;
}
