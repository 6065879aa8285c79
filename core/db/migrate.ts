import { Migrator, type Kysely, type Migration, type MigrationResult } from 'kysely';
import { migrations } from '../../schemas/migrations/index.ts';
import { isDatabaseUnavailable } from './postgres-errors.ts';

export class MigrationFailedError extends Error {
  override name = 'MigrationFailedError';
  /** The migration that failed; undefined when none could start (no database, no lock). */
  readonly migration: string | undefined;

  constructor(migration: string | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${migration ? `migration ${migration} failed` : isDatabaseUnavailable(cause) ? 'cannot reach the database (check DATABASE_URL)' : 'could not start migrating'}: ${reason}`, { cause });
    this.migration = migration;
  }
}

/** Applies every pending migration; throws MigrationFailedError naming the one that failed. */
export async function migrateToLatest(
  db: Kysely<unknown>,
  set: Record<string, Migration> = migrations,
): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => set } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationFailedError(failed?.migrationName, error);
  }
  return results.filter((result) => result.status === 'Success');
}
