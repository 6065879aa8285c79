import { Migrator, type Kysely, type Migration, type MigrationResult } from 'kysely';
import { migrations } from '../../schemas/migrations/index.ts';

export class MigrationFailedError extends Error {
  override name = 'MigrationFailedError';
  readonly migration: string;

  constructor(migration: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`migration ${migration} failed: ${reason}`, { cause });
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
    throw new MigrationFailedError(failed?.migrationName ?? 'migration lock', error);
  }
  return results.filter((result) => result.status === 'Success');
}
