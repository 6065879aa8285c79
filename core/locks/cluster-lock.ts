import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { createKeyedMutex } from './keyed-mutex.ts';

const local = createKeyedMutex();

/** Where the work under a cluster lock runs its queries: the connection that holds the lock. */
export type LockedDb = Kysely<Database> | Transaction<Database>;

/**
 * Runs `work` while no other process of this hub runs work under the same key. Within a process a
 * mutex queues callers, so only one database connection per process ever waits for the lock; across
 * processes a PostgreSQL transaction-level advisory lock, released by commit or by the connection
 * dying with its process. Embedded mode is one process, so the mutex alone is enough there.
 *
 * `work` must run its queries on the `db` it is given, the lock's own connection: a holder that
 * asked the pool for a second connection would deadlock the pool as soon as as many locks are
 * held as the pool has connections. What it writes there commits when the lock is released.
 */
export function withClusterLock<T>(hub: Pick<HubContext, 'db' | 'database'>, key: string, work: (db: LockedDb) => Promise<T>): Promise<T> {
  return local(key, async () => {
    if (hub.database.kind === 'pglite') return work(hub.db);
    return hub.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
      return work(trx);
    });
  });
}
