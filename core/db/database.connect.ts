import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.types.ts';
import { lockDataDirectory } from './data-dir.lock.ts';
import { assertEmbeddedVersion } from './embedded-version.ts';
import { createPglitePool } from './pglite.pool.ts';
import { postgresPool, type PostgresPoolOptions } from './postgres.pool.ts';
import { LATE, resultWithin } from '../timing/deadline.ts';

// int8 (count(*), bigint columns) as a JS number on PostgreSQL, as PGlite already returns it,
// so both backends hand repositories identical rows.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

// Timestamps and dates read by node-postgres's own parsers on PGlite too: PGlite's `new Date(text)`
// misreads the years 0001–0099, which the API accepts (0026 as an Invalid Date, a 500 on every read
// of the row; 0012-12-31 as 2031-12-12).
const SAME_TIME_PARSERS_AS_POSTGRES = Object.fromEntries(
  [pg.types.builtins.TIMESTAMPTZ, pg.types.builtins.TIMESTAMP, pg.types.builtins.DATE].map((type) => [type, pg.types.getTypeParser(type, 'text')]),
);

export interface DatabaseHandle {
  db: Kysely<Database>;
  /** The same database without statement deadlines: for migrations, which take as long as the data needs. */
  migrationDb: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  /**
   * Lets statements and transactions in flight finish for up to `drainTimeoutMs` (default 5 s),
   * then closes; new work is refused meanwhile. Resolves false when something still held the
   * database at the deadline: PGlite is closed under it; a PostgreSQL connection is left to end
   * with the process, and the server rolls its transaction back.
   */
  close(drainTimeoutMs?: number): Promise<boolean>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; without it the hub uses PGlite under `dataDir`. */
  url?: string | undefined;
  dataDir: string;
  poolSize?: number;
  /**
   * Run the hot statements as named prepared statements (the default). Off for a connection pooler
   * that cannot keep them, such as PgBouncer in transaction mode before 1.21.
   */
  preparedStatements?: boolean;
  /**
   * How long a PostgreSQL statement may wait for its answer before it fails and its connection is
   * closed (see postgres.pool.ts); 0 or unset waits as long as it takes.
   */
  queryTimeoutMs?: number;
}

export async function connectDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const url = options.url;
    return connectPostgres(url, options.poolSize ?? 10, {
      preparedStatements: options.preparedStatements ?? true,
      queryTimeoutMs: options.queryTimeoutMs ?? 0,
      probeClient: () => new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 }),
    });
  }
  return connectPglite(options.dataDir);
}

function connectPostgres(url: string, poolSize: number, options: PostgresPoolOptions): DatabaseHandle {
  // Keepalive finds an idle connection whose server went away (a failover) before a statement is
  // sent into it.
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  // A client losing its connection (a restart, a failover, a terminated backend) must not crash the
  // process. The pool listens only while a client is idle; a client in use would emit 'error' with
  // nobody listening, which Node turns into an exit. The query in flight still fails with the error,
  // and the pool drops the broken client.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: postgresPool(pool, options) as never }) });
  // Never destroyed itself: it shares the pool, which `db` ends.
  const migrationDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: postgresPool(pool, { ...options, queryTimeoutMs: 0 }) as never }) });
  // pg's Pool.end waits for every borrowed client however long it is held: a statement stuck on a
  // lock or a dead network path would keep a stopping process alive past any shutdown budget.
  return handle(db, migrationDb, 'postgres');
}

const OWNER_ONLY = 0o700;

/** A directory another user owns (a volume prepared by root) cannot be changed, and works as before. */
function tightenToOwner(directory: string): void {
  try {
    chmodSync(directory, OWNER_ONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}

/** PGlite under `dataDir`, which this process holds locked until the handle is closed. */
async function connectPglite(dataDir: string): Promise<DatabaseHandle> {
  const directory = join(dataDir, 'pglite');
  // PGlite writes its files (password and token hashes, every record, the WAL) readable by anyone:
  // the directories above them are the owner's alone. One made by an earlier version is tightened;
  // a data directory the admin made (a mount point, perhaps) keeps the mode they gave it.
  mkdirSync(directory, { recursive: true, mode: OWNER_ONLY });
  tightenToOwner(directory);
  const unlock = await lockDataDirectory(dataDir);
  try {
    assertEmbeddedVersion(dataDir, directory);
    const pglite = await PGlite.create(directory, { parsers: SAME_TIME_PARSERS_AS_POSTGRES });
    const pool = createPglitePool(pglite);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool as never }) });
    return handle(db, db, 'pglite', { drain: (timeoutMs) => pool.drain(timeoutMs), afterClose: unlock });
  } catch (error) {
    unlock();
    throw error;
  }
}

const DEFAULT_DRAIN_MS = 5_000;

/**
 * `drain` lets work in flight finish before the pool ends (PGlite, whose close would cut it);
 * without it the pool waits for its borrowers itself (pg), and the close stops waiting for it at
 * the time limit. `afterClose` runs once the database is closed.
 */
function handle(
  db: Kysely<Database>,
  migrationDb: Kysely<Database>,
  kind: DatabaseHandle['kind'],
  { drain, afterClose }: { drain?: (timeoutMs: number) => Promise<boolean>; afterClose?: () => void } = {},
): DatabaseHandle {
  let closed: Promise<boolean> | undefined;
  return {
    db,
    migrationDb,
    kind,
    async ping() {
      await sql`select 1`.execute(db);
    },
    close(drainTimeoutMs = DEFAULT_DRAIN_MS) {
      // The lock goes only once PGlite has written everything and closed its files.
      closed ??= (async () => {
        if (drain) {
          const drained = await drain(drainTimeoutMs);
          await db.destroy();
          return drained;
        }
        return (await resultWithin(db.destroy(), drainTimeoutMs)) !== LATE;
      })().finally(() => afterClose?.());
      return closed;
    },
  };
}
