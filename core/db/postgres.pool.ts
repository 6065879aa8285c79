import type { Socket } from 'node:net';
import type pg from 'pg';
import { isStaleStatement, statementNames } from './prepared-statements.ts';

// The pool Kysely's PostgresDialect is given on PostgreSQL: pg's pool, with two additions.
//
// Marked statements run as named prepared statements (see prepared-statements.ts).
//
// Every statement has a deadline. A server that goes silent (a failover that moves the address, a
// network path that drops packets) leaves a statement waiting for the kernel to give up on the
// socket, about 15 minutes, and a pool full of such connections keeps the process unready all that
// while. A statement past its deadline fails, and its connection is closed and never reused, so the
// next statement gets a fresh connection to wherever the server is now.

/** A statement got no answer within the deadline; its connection was closed. */
export class QueryTimeoutError extends Error {
  override name = 'QueryTimeoutError';
  constructor(timeoutMs: number) {
    super(`the database did not answer within ${timeoutMs} ms (DATABASE_QUERY_TIMEOUT_MS); the connection was closed`);
  }
}

export interface PostgresPoolOptions {
  preparedStatements: boolean;
  /** How long a statement may wait for its answer; 0 waits as long as it takes. */
  queryTimeoutMs: number;
}

type Values = unknown[] | undefined;
type QueryResult = Promise<pg.QueryResult>;

interface DialectClient {
  query(text: unknown, values?: Values): QueryResult;
  release(error?: Error | boolean): void;
}

export interface DialectPool {
  connect(): Promise<DialectClient>;
  end(): Promise<void>;
}

export function postgresPool(pool: pg.Pool, options: PostgresPoolOptions): DialectPool {
  const nameFor = options.preparedStatements ? statementNames() : () => undefined;
  return {
    async connect() {
      const client = await pool.connect();
      // A connection that can never run a statement again goes back to the pool as broken, which
      // closes it, rather than to the next borrower.
      let broken = false;
      const send = (text: unknown, values: Values): QueryResult => {
        const name = typeof text === 'string' ? nameFor(text) : undefined;
        if (name === undefined) return client.query(text as string, values);
        return client.query({ name, text: text as string, values: values ?? [] }).catch((error: unknown) => {
          if (isStaleStatement(error)) broken = true;
          throw error;
        });
      };
      return {
        query(text, values) {
          return withinDeadline(send(text, values), options.queryTimeoutMs, () => {
            broken = true;
            closeConnection(client);
          });
        },
        release: (error) => client.release(broken || error),
      };
    },
    end: () => pool.end(),
  };
}

function withinDeadline<T>(query: Promise<T>, timeoutMs: number, onTimeout: () => void): Promise<T> {
  if (timeoutMs <= 0) return query;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new QueryTimeoutError(timeoutMs));
      onTimeout();
    }, timeoutMs);
    query.then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

// pg's own end() says goodbye and waits for the server to close; a silent server never does. The
// socket is cut instead, which fails anything still queued on it at once.
function closeConnection(client: pg.PoolClient): void {
  (client as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
}
