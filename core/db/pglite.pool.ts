import type { PGlite } from '@electric-sql/pglite';

// Kysely's PostgresDialect talks to a `pg`-style pool. PGlite is one connection, so this pool
// hands that connection to one borrower at a time: a transaction's statements can never
// interleave with another caller's.

interface PoolClient {
  query(sql: string, parameters: unknown[]): Promise<{ rows: unknown[]; rowCount: number; command: string }>;
  release(): void;
}

export interface PglitePool {
  connect(): Promise<PoolClient>;
  end(): Promise<void>;
}

export function createPglitePool(pglite: PGlite): PglitePool {
  const waiters: Array<() => void> = [];
  let busy = false;

  const release = (): void => {
    const next = waiters.shift();
    if (next) next();
    else busy = false;
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
      if (busy) await new Promise<void>((resolve) => waiters.push(resolve));
      busy = true;
      return client;
    },
    async end() {
      await pglite.close();
    },
  };
}
