import { sql, type RawBuilder } from 'kysely';

// The API's lists (audit log, runs, events) are ordered newest first by a timestamptz column, then
// by id, and page by where the previous page ended. PostgreSQL keeps microseconds, which a
// JavaScript Date cuts to milliseconds, and rows written together share one instant (a webhook
// group commit, one transaction's audit entries): the position must keep both the full time and
// the id, or rows of that instant are skipped.

/**
 * Where a page starts: rows strictly older than this position in the (time, id) newest-first
 * order. `at` is an ISO timestamp, as precise as it was given; without `id` it is a plain cutoff
 * in time.
 */
export interface KeysetCursor {
  at: string;
  id?: string | undefined;
}

/** The column at full precision (microseconds) as an ISO string in UTC, for the next page's `before`. */
export function isoMicros(column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** Rows after `cursor` in the order `column desc, id desc`. */
export function olderThan(column: string, cursor: KeysetCursor): RawBuilder<boolean> {
  const time = sql.ref(column);
  const at = sql`${cursor.at}::timestamptz`;
  return cursor.id ? sql<boolean>`(${time}, id) < (${at}, ${cursor.id}::uuid)` : sql<boolean>`${time} < ${at}`;
}

/** The position a list query's `before` and `beforeId` name; none without `before`. */
export function cursorOf(query: { before?: string | undefined; beforeId?: string | undefined }): KeysetCursor | undefined {
  return query.before ? { at: query.before, id: query.beforeId } : undefined;
}
