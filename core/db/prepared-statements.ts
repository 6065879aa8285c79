import { sql, type RawBuilder } from 'kysely';
import type pg from 'pg';

// PostgreSQL parses and plans every unnamed statement from scratch. For the few statements the hub
// runs many times a second with small batches (inbound events, polled pages), planning cost about as
// much as executing, so those are marked with `preparedStatement(name)` and run as named prepared
// statements: parsed and planned once per connection, then only executed. The mark is a leading
// SQL comment, so the statement stays an ordinary Kysely query and PGlite (one in-process
// connection, no planning round trip worth saving) runs it unchanged. A marked statement names the
// columns it returns: PostgreSQL re-plans prepared statements after a migration, but refuses one
// whose result columns changed ("cached plan must not change result type"), as `select *` would.

const MARK_PREFIX = '/* prepared:';
const NAME = '[a-z][a-z0-9_]*';
const VALID_NAME = new RegExp(`^${NAME}$`);
const MARK = new RegExp(`^/\\* prepared:(${NAME}) \\*/`);
// Marked statements have fixed texts; past this many, a text that varies is run unnamed rather than
// filling every connection with statements.
const MAX_NAMES = 64;
// The server no longer has a statement the driver believes prepared (a pooler or DEALLOCATE dropped
// it), or a migration changed its result columns: that connection can never run it again, so it is
// closed rather than returned to the pool, and the next checkout prepares it afresh.
const STALE_STATEMENT = new Set(['26000', '0A000']);

/** Put first in a `sql` template: the statement is prepared once per connection on PostgreSQL. */
export function preparedStatement(name: string): RawBuilder<unknown> {
  if (!VALID_NAME.test(name)) throw new Error(`prepared statement names are lower-case words: ${name}`);
  return sql.raw(`${MARK_PREFIX}${name} */ `);
}

type Values = unknown[] | undefined;
type QueryResult = Promise<pg.QueryResult>;

interface PreparingClient {
  query(text: unknown, values?: Values): QueryResult;
  release(error?: Error | boolean): void;
}

/** The pool Kysely's PostgresDialect is given: `pool`, with marked statements sent as named ones. */
export interface PreparingPool {
  connect(): Promise<PreparingClient>;
  end(): Promise<void>;
}

export function preparingPool(pool: pg.Pool): PreparingPool {
  // One name per distinct text: the same name with another text would be refused by the driver.
  const names = new Map<string, string>();

  function nameFor(text: string): string | undefined {
    const known = names.get(text);
    if (known !== undefined) return known;
    const mark = MARK.exec(text);
    if (!mark || names.size >= MAX_NAMES) return undefined;
    const name = `${mark[1]}_${names.size + 1}`;
    names.set(text, name);
    return name;
  }

  return {
    async connect() {
      const client = await pool.connect();
      let stale = false;
      return {
        query(text, values) {
          const name = typeof text === 'string' && text.startsWith(MARK_PREFIX) ? nameFor(text) : undefined;
          if (name === undefined) return client.query(text as string, values);
          return client.query({ name, text: text as string, values: values ?? [] }).catch((error: unknown) => {
            if (STALE_STATEMENT.has((error as { code?: string }).code ?? '')) stale = true;
            throw error;
          });
        },
        release: (error) => client.release(stale || error),
      };
    },
    end: () => pool.end(),
  };
}
