import { z } from 'zod';
import { ConnectorError } from '../sdk/failure.ts';
import { parseServiceNowTime, requiredUpdatedOn, updatedOn, versionKey, type ServiceNowRecord } from './mappers.ts';

// sys_updated_on has one-second resolution, so each read asks for `>=` the last second and would
// see that second's records again. The cursor remembers which versions (sys_id@sys_mod_count) it
// already delivered at exactly that second: those are skipped, while a record changed again within
// the same second carries a higher sys_mod_count and still comes through.
//
// A cursor is a position in one table of one instance read with one `query`. Once the stream is
// pointed at another table or instance, or its query changes, that position says nothing about the
// new records: taken as it is, it would start the read at its second and silently skip every record
// of the new table (or instance, or newly matching the query) last updated before it. So the cursor
// names its instance, table and query, and one that names others counts as no cursor: the stream is
// read from its start again, and the hub's dedupe turns only records it has not stored before into
// events. Cursors stored before these fields existed lack them: they are taken to match, so
// existing installs keep polling incrementally, and they get them with their next page.

export const ServiceNowCursor = z.object({
  /** 'yyyy-MM-dd HH:mm:ss', UTC. */
  updatedOn: z.string().refine((value) => parseServiceNowTime(value) !== undefined),
  /** sys_id@sys_mod_count of every version delivered at exactly `updatedOn`. */
  seenAtUpdatedOn: z.array(z.string()),
  /** The table read. Absent only from cursors stored before it was recorded. */
  table: z.string().optional(),
  /** The configured `query` the table was read with; absent when there was none. */
  query: z.string().optional(),
  /** The origin of the instance read. Absent only from cursors stored before it was recorded. */
  instance: z.string().optional(),
});
export type ServiceNowCursor = z.infer<typeof ServiceNowCursor>;

/** What a cursor is a position in: a table of an instance (its origin) read with the configured query (none: undefined). */
export interface CursorScope {
  instance: string;
  table: string;
  query: string | undefined;
}

/** Validates a stored cursor; one that is not ours cannot be resumed from safely. */
export function readCursor(stored: unknown): ServiceNowCursor | undefined {
  if (stored === undefined || stored === null) return undefined;
  const parsed = ServiceNowCursor.safeParse(stored);
  if (!parsed.success) throw new ConnectorError('cursor_expired', 'the stored ServiceNow cursor is malformed; run a full sync to rebuild it');
  return parsed.data;
}

/** Whether the cursor is a position in `scope`; one stored before cursors named their scope is taken to be. */
export function inScope(cursor: ServiceNowCursor, scope: CursorScope): boolean {
  if (cursor.table === undefined) return true;
  if (cursor.instance !== undefined && cursor.instance !== scope.instance) return false;
  return cursor.table === scope.table && cursor.query === scope.query;
}

/** The page's records minus versions already delivered at the cursor's second. */
export function unseen(records: ServiceNowRecord[], cursor: ServiceNowCursor | undefined): ServiceNowRecord[] {
  if (cursor === undefined || cursor.seenAtUpdatedOn.length === 0) return records;
  const seen = new Set(cursor.seenAtUpdatedOn);
  return records.filter((record) => !(updatedOn(record) === cursor.updatedOn && seen.has(versionKey(record))));
}

/**
 * The position in `scope` after `records`: their latest second, and every version seen at exactly
 * that second. `cursor` is a position in the same scope (or one stored before scopes were named).
 */
export function advance(cursor: ServiceNowCursor | undefined, records: ServiceNowRecord[], scope: CursorScope): ServiceNowCursor | undefined {
  let latest = cursor?.updatedOn;
  let seen = new Set(cursor?.seenAtUpdatedOn ?? []);
  for (const record of records) {
    const at = requiredUpdatedOn(record);
    if (latest === undefined || at > latest) {
      latest = at;
      seen = new Set();
    }
    if (at === latest) seen.add(versionKey(record));
  }
  if (latest === undefined) return undefined;
  // No query, no field: the cursor stays as small as it was.
  return { updatedOn: latest, seenAtUpdatedOn: [...seen], instance: scope.instance, table: scope.table, ...(scope.query === undefined ? {} : { query: scope.query }) };
}
