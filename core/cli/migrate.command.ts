import { loadConfig } from '../config/config.load.ts';
import { connectDatabase } from '../db/database.connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { commandLine } from './command-line.ts';

const usage = `usage:
  hub migrate   apply pending database migrations and exit (DATABASE_URL, or HUB_DATA_DIR when embedded)`;

export async function migrateCommand(args: string[] = []): Promise<void> {
  if (!commandLine('migrate', args, { usage })) return;
  const config = loadConfig();
  const database = await connectDatabase({ url: config.DATABASE_URL, dataDir: config.HUB_DATA_DIR, poolSize: 2 });
  try {
    const applied = await migrateToLatest(database.migrationDb as never);
    process.stdout.write(
      applied.length === 0 ? 'database is up to date\n' : applied.map((m) => `applied ${m.migrationName}\n`).join(''),
    );
  } finally {
    await database.close();
  }
}
