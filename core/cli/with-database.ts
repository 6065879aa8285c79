import { loadConfig } from '../config/config.load.ts';
import { connectDatabase, type DatabaseHandle } from '../db/database.connect.ts';
import { migrateToLatest } from '../db/migrate.ts';

/** Runs a CLI command against the configured database, migrated, and always closes it. */
export async function withDatabase<T>(work: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await connectDatabase({ url: config.DATABASE_URL, dataDir: config.HUB_DATA_DIR, poolSize: 2 });
  try {
    await migrateToLatest(database.migrationDb as never);
    return await work(database);
  } finally {
    await database.close();
  }
}
