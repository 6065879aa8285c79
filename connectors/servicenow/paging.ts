import { ConnectorError } from '../sdk/failure.ts';
import { readClauses, type ReadFrom } from './client.ts';
import { requiredUpdatedOn, type ServiceNowRecord } from './mappers.ts';

// Which request reads the next page of a poll. Offsets are avoided: a record the run has already
// read moves to the end of the result when it is updated mid-run, every later offset shifts by one,
// and the record that slid back over the page boundary would never be read. Instead:
// - a page that reaches a later second is followed by a fresh query from that second (it re-reads
//   the records of that second, which the cursor skips);
// - a page that lies inside one second (more records share it than fit on a page, or the rest of
//   it) is followed by a keyset read of that second after the last sys_id read, and once the second
//   is read to its end, by a read of everything after it.
// The `rel="next"` link is what says more records follow.

export type NextRead = { kind: 'query'; from: ReadFrom } | { kind: 'link'; url: string } | { kind: 'done' };

export interface PageFacts {
  /** How the page was asked for; a followed link is that same read at an offset. */
  read: ReadFrom | undefined;
  records: ServiceNowRecord[];
  nextLink: string | undefined;
  pageSize: number;
  /** The cursor's second before this page. */
  cursorBefore: string | undefined;
}

const DONE: NextRead = { kind: 'done' };

export function nextRead(page: PageFacts): NextRead {
  const { read, records, nextLink } = page;
  const last = records.at(-1);
  if (read?.kind === 'within_second') {
    if (nextLink === undefined) return { kind: 'query', from: { kind: 'after_second', updatedOn: read.updatedOn } };
    // ACLs can shorten a page (ASSUMPTION, see README), even to nothing: only `next` says whether
    // the second goes on. An empty page leaves no sys_id to continue after, so its offset link is
    // the one way forward.
    if (last === undefined) return { kind: 'link', url: nextLink };
    return { kind: 'query', from: withinSecond(read.updatedOn, last) };
  }
  if (nextLink === undefined) return DONE;
  if (last === undefined) return { kind: 'link', url: nextLink };
  const lastSecond = requiredUpdatedOn(last);
  // A short page that moved the cursor ends the run: the next run resumes from the cursor. Inside
  // one second it must not, or a page that ACLs shortened would be re-read every run, forever.
  if (lastSecond !== page.cursorBefore && records.length < page.pageSize) return DONE;
  if (requiredUpdatedOn(records[0]!) === lastSecond) return { kind: 'query', from: withinSecond(lastSecond, last) };
  return { kind: 'query', from: { kind: 'from_second', updatedOn: lastSecond } };
}

/**
 * Fails when a record lies outside what `read` asked for, so a run can never go round in circles.
 * Two ways to get there: an instance that drops a condition it does not understand instead of
 * refusing the query (UNCONFIRMED: the `glide.invalid_query.returns_no_rows` property), and an
 * integration user whose time zone is not UTC, so that query dates are read in another zone than
 * the dates the records carry (see the README's time zone note).
 */
export function assertReadHonoured(read: ReadFrom | undefined, records: ServiceNowRecord[]): void {
  if (read === undefined) return;
  const outside = records.find((record) => !inRead(read, requiredUpdatedOn(record), record.sys_id));
  if (outside === undefined) return;
  throw new ConnectorError(
    'upstream_bad_response',
    `record ${outside.sys_id} (sys_updated_on ${requiredUpdatedOn(outside)}) is outside the query ${readClauses(read).join('^')}: ` +
      'the instance ignored part of the query, or the integration user\'s time zone is not UTC',
  );
}

function inRead(read: ReadFrom, second: string, sysId: string): boolean {
  switch (read.kind) {
    case 'from_second':
      return second >= read.updatedOn;
    case 'within_second':
      return second === read.updatedOn && sysId > read.afterSysId;
    case 'after_second':
      return second > read.updatedOn;
  }
}

function withinSecond(second: string, last: ServiceNowRecord): ReadFrom {
  return { kind: 'within_second', updatedOn: second, afterSysId: last.sys_id };
}

/**
 * How many empty pages in a row, each with a `next` link, a run follows. ACLs can empty pages
 * (see nextRead), so a few in a row are fine; an instance or proxy that keeps announcing a next
 * page and never returns a record would otherwise keep a run going for ever, none of its pages
 * moving the cursor. 100 pages hold at least 100 × pageSize rows the user may not read one after
 * another (10,000 at the default page size): past that, the `query` setting should leave them out,
 * as it filters before paging and an ACL after.
 */
export const MAX_EMPTY_PAGES_IN_A_ROW = 100;

/** The empty pages read one after another since the last page with records. */
export interface EmptyPageRun {
  count: number;
  /** Every URL of the run read so far, query parameters sorted. */
  read: ReadonlySet<string>;
}

export const NO_EMPTY_PAGES: EmptyPageRun = { count: 0, read: new Set() };

/**
 * The run after one more empty page, read at `currentUrl` and pointing on to `nextUrl`. Fails when
 * the run is too long, or when `nextUrl` is a page the run already read: nothing has changed since,
 * so following it can only go round in circles.
 */
export function afterEmptyPage(run: EmptyPageRun, table: string, currentUrl: string, nextUrl: string): EmptyPageRun {
  const read = new Set(run.read).add(pageKey(currentUrl));
  const count = run.count + 1;
  if (read.has(pageKey(nextUrl))) {
    throw new ConnectorError(
      'upstream_bad_response',
      `${table}: an empty page's next link (${offsetOf(nextUrl)}) points back at a page this run already read, with no record read since; it is not followed again`,
    );
  }
  if (count >= MAX_EMPTY_PAGES_IN_A_ROW) {
    throw new ConnectorError(
      'upstream_bad_response',
      `${table}: ${count} pages in a row came back with no records and a next link (the last to ${offsetOf(nextUrl)}); the run stops rather than page on for ever. ` +
        'If the integration user may not read most of this table, narrow the stream with the query setting; otherwise a proxy in front of the instance may be rewriting its answers',
    );
  }
  return { count, read };
}

/** The same page whatever the order of its query parameters. */
function pageKey(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.sort();
  return `${parsed.pathname}?${parsed.searchParams.toString()}`;
}

/** Where a link points, for a message: its offset, never the rest of its query. */
function offsetOf(url: string): string {
  const offset = new URL(url).searchParams.get('sysparm_offset');
  return offset !== null && /^\d{1,12}$/.test(offset) ? `sysparm_offset=${offset}` : 'no sysparm_offset';
}
