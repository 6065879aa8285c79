import { Migrator, sql, type Kysely, type Migration, type MigrationResult } from 'kysely';
import { migrations } from '../../schemas/migrations/index.ts';
import { isDatabaseRefusingLogin, isDatabaseUnavailable } from './postgres-errors.ts';

export class MigrationFailedError extends Error {
  override name = 'MigrationFailedError';
  /** The migration that failed; undefined when none could start (no database, no lock). */
  readonly migration: string | undefined;

  constructor(migration: string | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${migration ? `migration ${migration} failed` : isDatabaseUnavailable(cause) ? 'cannot reach the database (check DATABASE_URL)' : isDatabaseRefusingLogin(cause) ? 'cannot open the database (check DATABASE_URL)' : 'could not start migrating'}: ${reason}`, { cause });
    this.migration = migration;
  }
}

/**
 * The database has migrations this version does not know: a newer hub version migrated it (a
 * rolling upgrade). This version must not run against it, and must not call it corrupted.
 */
export class DatabaseNewerError extends Error {
  override name = 'DatabaseNewerError';
  readonly unknownMigrations: string[];

  constructor(unknownMigrations: string[]) {
    super(`the database was migrated by a newer hub version (${unknownMigrations.join(', ')}); use that version`);
    this.unknownMigrations = unknownMigrations;
  }
}

/** Migrations recorded as applied that are not in `set`, in the order they were applied. */
async function unknownAppliedMigrations(db: Kysely<unknown>, set: Record<string, Migration>): Promise<string[]> {
  // Kysely's default table; it does not exist yet on a database never migrated.
  const { rows: [table] } = await sql<{ present: boolean }>`select to_regclass('kysely_migration') is not null as present`.execute(db);
  if (!table?.present) return [];
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by timestamp, name`.execute(db);
  return rows.map((row) => row.name).filter((name) => !Object.hasOwn(set, name));
}

/**
 * Applies every pending migration; throws MigrationFailedError naming the one that failed, and
 * DatabaseNewerError, before migrating anything, when a newer version has migrated the database.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  set: Record<string, Migration> = migrations,
): Promise<MigrationResult[]> {
  const unknown = await unknownAppliedMigrations(db, set).catch((error: unknown) => {
    throw new MigrationFailedError(undefined, error);
  });
  if (unknown.length > 0) throw new DatabaseNewerError(unknown);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => set } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error');
    // A newer version may have migrated between the check above and taking the migration lock.
    const newer = failed ? [] : await unknownAppliedMigrations(db, set).catch(() => []);
    if (newer.length > 0) throw new DatabaseNewerError(newer);
    throw new MigrationFailedError(failed?.migrationName, error);
  }
  return results.filter((result) => result.status === 'Success');
}
