import { sql } from 'kysely';
import type { HubContext } from '../server/hub-context.ts';
import { createKeyedMutex } from './keyed-mutex.ts';

const local = createKeyedMutex();

/**
 * Runs `work` while no other process of this hub runs work under the same key. Within a process a
 * mutex queues callers, so only one database connection per process ever waits for the lock; across
 * processes a PostgreSQL transaction-level advisory lock, released by commit or by the connection
 * dying with its process. Embedded mode is one process, so the mutex alone is enough there.
 */
export function withClusterLock<T>(hub: Pick<HubContext, 'db' | 'database'>, key: string, work: () => Promise<T>): Promise<T> {
  return local(key, async () => {
    if (hub.database.kind === 'pglite') return work();
    return hub.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
      return work();
    });
  });
}
