import type { Socket } from 'node:net';
import type pg from 'pg';
import { isStaleStatement, statementNames } from './prepared-statements.ts';
import { resultWithin } from '../timing/deadline.ts';

// The pool Kysely's PostgresDialect is given on PostgreSQL: pg's pool, with two additions.
//
// Marked statements run as named prepared statements (see prepared-statements.ts).
//
// Every statement has a deadline. A server that goes silent (a failover that moves the address, a
// network path that drops packets) leaves a statement waiting for the kernel to give up on the
// socket, about 15 minutes, and a pool full of such connections keeps the process unready all that
// while. Past its deadline, a statement's server process is looked up over a fresh connection: one
// still working on it (a large delete, a wait for a lock) is given another deadline; otherwise (the
// server unreachable, the process gone or idle, as on a new primary or behind a cut path) the
// statement fails, and its connection is closed and never reused, so the next statement gets a
// fresh connection to wherever the server is now. Behind a pooler that hides server processes
// (PgBouncer), none is ever found, and a statement fails at its deadline whatever it is doing.

/** A statement got no answer within the deadline; its connection was closed. */
export class QueryTimeoutError extends Error {
  override name = 'QueryTimeoutError';
  constructor(timeoutMs: number) {
    super(`the database did not answer within ${timeoutMs} ms (DATABASE_QUERY_TIMEOUT_MS); the connection was closed`);
  }
}

export interface PostgresPoolOptions {
  preparedStatements: boolean;
  /** How long a statement may wait for its answer before its server process is looked up; 0 waits as long as it takes. */
  queryTimeoutMs: number;
  /** A new client to the same server, for that look-up. */
  probeClient: () => pg.Client;
}

// The look-up gets this long to connect and answer; a server that cannot is taken for gone.
const PROBE_TIMEOUT_MS = 5_000;

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
          return withinDeadline(send(text, values), options.queryTimeoutMs, async () => {
            if (await serverStillWorking(options.probeClient, client)) return false;
            broken = true;
            closeConnection(client);
            return true;
          });
        },
        release: (error) => client.release(broken || error),
      };
    },
    end: () => pool.end(),
  };
}

/**
 * `query`, failed with QueryTimeoutError when `expired` (asked at each deadline) says to give up on
 * it; a query it lets go on gets another deadline.
 */
function withinDeadline<T>(query: Promise<T>, timeoutMs: number, expired: () => Promise<boolean>): Promise<T> {
  if (timeoutMs <= 0) return query;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout;
    const arm = () => {
      timer = setTimeout(() => {
        void expired().then(
          (giveUp) => {
            if (settled) return;
            if (!giveUp) return arm();
            settled = true;
            reject(new QueryTimeoutError(timeoutMs));
          },
          () => arm(),
        );
      }, timeoutMs);
    };
    arm();
    query.then(
      (result) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        reject(error);
      },
    );
  });
}

/** Whether the server process behind `client` is running a statement, asked over a fresh connection. */
async function serverStillWorking(probeClient: () => pg.Client, client: pg.PoolClient): Promise<boolean> {
  const pid = (client as unknown as { processID: number | null }).processID;
  if (pid === null) return false;
  const probe = probeClient();
  probe.on('error', () => undefined);
  try {
    const looked = (async () => {
      await probe.connect();
      const { rows } = await probe.query<{ state: string | null }>('select state from pg_stat_activity where pid = $1', [pid]);
      return rows[0]?.state === 'active';
    })().catch(() => false);
    return (await resultWithin(looked, PROBE_TIMEOUT_MS)) === true;
  } finally {
    closeConnection(probe);
  }
}

// pg's own end() says goodbye and waits for the server to close; a silent server never does. The
// socket is cut instead, which fails anything still queued on it at once.
function closeConnection(client: pg.Client | pg.PoolClient): void {
  (client as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
}
