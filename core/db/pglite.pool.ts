import type { PGlite } from '@electric-sql/pglite';
import { settlesWithin } from '../timing/deadline.ts';

// Kysely's PostgresDialect talks to a `pg`-style pool. PGlite is one connection, so this pool
// hands that connection to one borrower at a time: a transaction's statements can never
// interleave with another caller's.

interface PoolClient {
  query(sql: string, parameters: unknown[]): Promise<{ rows: unknown[]; rowCount: number; command: string }>;
  release(): void;
}

export interface PglitePool {
  connect(): Promise<PoolClient>;
  /**
   * Refuses new borrowers and waits (up to `timeoutMs`) for the one holding the connection, so a
   * transaction between two statements commits or rolls back whole instead of failing half-way
   * because the database closed under it. False when the holder had not let go by then.
   */
  drain(timeoutMs: number): Promise<boolean>;
  end(): Promise<void>;
}

/** Asked for the embedded database after its shutdown began. */
export class DatabaseClosingError extends Error {
  constructor() {
    super('the embedded database is shutting down');
    this.name = 'DatabaseClosingError';
  }
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export function createPglitePool(pglite: PGlite): PglitePool {
  const waiters: Waiter[] = [];
  let busy = false;
  let closing = false;
  let idle: (() => void) | undefined;

  const release = (): void => {
    const next = waiters.shift();
    if (next) {
      next.resolve();
      return;
    }
    busy = false;
    idle?.();
  };

  const client: PoolClient = {
    async query(sql, parameters) {
      const result = await pglite.query(sql, parameters);
      const withCommand = result as typeof result & { command?: string; rowCount?: number };
      return {
        rows: result.rows,
        rowCount: withCommand.rowCount ?? result.affectedRows ?? 0,
        command: withCommand.command ?? 'SELECT',
      };
    },
    release,
  };

  return {
    async connect() {
      if (closing) throw new DatabaseClosingError();
      if (busy) await new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
      busy = true;
      return client;
    },
    async drain(timeoutMs) {
      closing = true;
      // Queued borrowers have not started anything yet: refusing them loses no work half-done.
      for (const waiter of waiters.splice(0)) waiter.reject(new DatabaseClosingError());
      if (!busy) return true;
      return settlesWithin(new Promise<void>((resolve) => (idle = resolve)), timeoutMs);
    },
    async end() {
      closing = true;
      await pglite.close();
    },
  };
}
