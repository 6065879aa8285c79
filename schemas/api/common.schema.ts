import { z } from 'zod';

export const ErrorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    runbook: z.string().optional(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const IdParams = z.object({ id: z.uuid({ message: 'expected a UUID' }) });

/**
 * A UUID kept as PostgreSQL prints one, in lower case: for ids the hub stores in JSON or compares as
 * strings (a route's source in its filter), where the database's case-blind uuid type does not
 * apply. An id sent in upper case, as many tools print them, then matches as it would in a query.
 */
export const LowerCaseUuid = z.uuid().overwrite((id) => id.toLowerCase());
export type IdParams = z.infer<typeof IdParams>;

/**
 * A name people read in lists, chat messages, alerts and logs: one line of 1–100 characters. A
 * line break or other control character would split a Slack line or a log line, and a one-line
 * form field cannot show it.
 */
export const Name = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((name) => !/[\p{Cc}\u2028\u2029]/u.test(name), 'is one line of text: no line breaks, tabs or other control characters');

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type PageQuery = z.infer<typeof PageQuery>;

// PostgreSQL has no year 0 (it refuses "0000-…" with an error), and years past 9999 no longer fit
// the four-digit ISO form the API answers with, so instants outside 0001–9999 are refused here.
const EARLIEST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LATEST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
const LATEST_SECOND = Date.parse('9999-12-31T23:59:59Z');

/**
 * PostgreSQL keeps microseconds and rounds further digits, where Date.parse keeps milliseconds:
 * "9999-12-31T23:59:59.9999999Z" passes a check in milliseconds and is stored in year 10000.
 */
function roundsIntoYear10000(value: string, instant: number): boolean {
  if (Math.floor(instant / 1000) * 1000 !== LATEST_SECOND) return false;
  const fraction = /\.(\d+)Z$/.exec(value)?.[1] ?? '0';
  return Math.round(Number(`0.${fraction}`) * 1e6) >= 1e6;
}

/** An ISO 8601 UTC timestamp (`2030-01-01T00:00:00Z`) in the years 0001–9999. */
export const Timestamp = z.iso.datetime().refine((value) => {
  const instant = Date.parse(value);
  // Unparseable values (a leap second) already failed the format check: one message is enough.
  return Number.isNaN(instant) || (instant >= EARLIEST_INSTANT && instant <= LATEST_INSTANT && !roundsIntoYear10000(value, instant));
}, 'expected a timestamp in the years 0001 to 9999');

interface KeysetPosition {
  before?: string | undefined;
  beforeId?: string | undefined;
}

// `beforeId` says where within `before`'s instant a page starts: alone it names no position.
const beforeIdHasBefore = (query: KeysetPosition) => !query.beforeId || query.before !== undefined;

/**
 * `PageQuery` plus `filters`, for a list ordered newest first by a time, then id. `before` alone
 * is a cutoff in time; with `beforeId`, the id of the previous page's last item, the next page
 * starts right after that item, so items sharing its instant are neither skipped nor repeated.
 */
export function keysetPageQuery<T extends z.ZodRawShape>(names: { item: string; items: string; time: string }, filters: T) {
  return PageQuery.extend({
    ...filters,
    before: Timestamp.optional().describe(`${names.items} older than this, for paging`),
    beforeId: z
      .uuid({ message: 'expected a UUID' })
      .optional()
      .describe(`with \`before\`: the \`id\` of the last ${names.item} of the previous page, so ${names.items} of the same instant are not skipped`),
  }).refine((query) => beforeIdHasBefore(query as KeysetPosition), {
    path: ['beforeId'],
    message: `needs \`before\`, the \`${names.time}\` of the same ${names.item}`,
  });
}

// Names of connectors, streams and actions: short words. A bound keeps an unknown one's error
// message (which names it) from echoing a whole request body back.
export const CatalogName = z.string().min(1).max(100);
