import { sql, type RawBuilder } from 'kysely';

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

/** Whether PostgreSQL refused a named statement the connection can never run again (see STALE_STATEMENT). */
export function isStaleStatement(error: unknown): boolean {
  return STALE_STATEMENT.has((error as { code?: string } | null)?.code ?? '');
}

/**
 * The name a statement text runs under on this process's connections, or undefined for an unmarked
 * text (and for marked ones past MAX_NAMES). One name per distinct text: the same name with another
 * text would be refused by the driver.
 */
export function statementNames(): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    if (!text.startsWith(MARK_PREFIX)) return undefined;
    const known = names.get(text);
    if (known !== undefined) return known;
    const mark = MARK.exec(text);
    if (!mark || names.size >= MAX_NAMES) return undefined;
    const name = `${mark[1]}_${names.size + 1}`;
    names.set(text, name);
    return name;
  };
}
