import type { ConnectorContext, PollMode, PollPage, StreamDefinition } from '../sdk/connector.types.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { listQuery, parseLinkHeader, tablePath, type ReadFrom } from './client.ts';
import { instanceBase, tableFor, type ServiceNowConfig, type ServiceNowCredentials, type StreamName } from './config.ts';
import { advance, inScope, readCursor, unseen, type CursorScope, type ServiceNowCursor } from './cursor.ts';
import { requiredUpdatedOn, resultRecords, toPolledRecord } from './mappers.ts';
import { afterEmptyPage, assertReadHonoured, nextRead, NO_EMPTY_PAGES } from './paging.ts';
import { assertQueryDatesReadAsUtc } from './query-time-zone.ts';

type Context = ConnectorContext<ServiceNowConfig, ServiceNowCredentials>;

/**
 * Pages through one table oldest change first. Which request reads the next page is decided in
 * paging.ts: fresh queries from the cursor's second, keyset reads inside a crowded second, and the
 * Link header's offset only where no record is left to continue after.
 */
async function* pollTable(ctx: Context, stream: StreamName, stored: unknown, mode: PollMode): AsyncGenerator<PollPage<ServiceNowCursor>> {
  const table = tableFor(ctx.config, stream);
  const scope: CursorScope = { instance: new URL(instanceBase(ctx.config)).origin, table, query: ctx.config.query };
  let cursor = mode === 'full' ? undefined : resumableCursor(ctx, stream, stored, scope);
  let read: ReadFrom | undefined = cursor === undefined ? undefined : { kind: 'from_second', updatedOn: cursor.updatedOn };
  let followLink: string | undefined;
  let emptyPages = NO_EMPTY_PAGES;
  // Once per run, before the first page read with a date in its query is delivered.
  let zoneChecked = false;
  for (;;) {
    ctx.signal.throwIfAborted();
    const response = await ctx.http.request(followLink === undefined ? { url: tablePath(table), query: listQuery(ctx.config, read) } : { url: followLink });
    const records = resultRecords(response.body, table);
    const [first] = records;
    try {
      assertReadHonoured(read, records);
    } catch (error) {
      // Records older than the query asked for: an integration user east of UTC reads the date
      // earlier. Told apart from an instance ignoring the query, it fails with the fix to make.
      if (first !== undefined) await assertQueryDatesReadAsUtc(ctx, table, first, requiredUpdatedOn(first));
      throw error;
    }
    if (!zoneChecked && read !== undefined && first !== undefined) {
      await assertQueryDatesReadAsUtc(ctx, table, first, requiredUpdatedOn(first));
      zoneChecked = true;
    }
    const next = advance(cursor, records, scope);
    if (next !== undefined && records.length > 0) yield { records: unseen(records, cursor).map(toPolledRecord), cursor: next };

    const nextLink = parseLinkHeader(response.headers['link'], response.url).get('next');
    const step = nextRead({ read, records, nextLink, pageSize: ctx.config.pageSize, cursorBefore: cursor?.updatedOn });
    if (step.kind === 'done') return;
    if (step.kind === 'link') {
      // Only an empty page is followed by its link (paging.ts), so this is one more in a row.
      followLink = checkedNextLink(step.url, response.url, ctx.config, table);
      emptyPages = afterEmptyPage(emptyPages, table, response.url, followLink);
    } else {
      // A query moves the read past what it has read, so it ends any run of empty pages.
      read = step.from;
      followLink = undefined;
      emptyPages = NO_EMPTY_PAGES;
    }
    cursor = next;
  }
}

/**
 * The stored cursor, unless it is a position in another table or query than the stream reads now
 * (cursor.ts says why): then the stream is read from its start, as on its first run.
 */
function resumableCursor(ctx: Context, stream: StreamName, stored: unknown, scope: CursorScope): ServiceNowCursor | undefined {
  const cursor = readCursor(stored);
  if (cursor === undefined || inScope(cursor, scope)) return cursor;
  ctx.logger.info(
    { stream, table: scope.table, cursorTable: cursor.table, queryChanged: cursor.query !== scope.query },
    'the stream reads another table or query than its cursor was stored for; reading it from the start',
  );
  return undefined;
}

/**
 * Credentials go with every request, so a `next` link is never requested as it stands: its path and
 * query are put on the configured instance's origin (the header may name another host of the same
 * instance, such as the service-now.com name behind a custom domain). Taking them through
 * `new URL(path, instance)` would not do: a path starting with `//` reads as another host.
 * A link is the same read at another offset, so a path other than this table's is refused too.
 */
function checkedNextLink(nextLink: string, currentUrl: string, config: ServiceNowConfig, table: string): string {
  const link = new URL(nextLink);
  if (!isPageOf(table, link.pathname)) {
    throw new ConnectorError('upstream_bad_response', `the Link header's next page is not a page of ${tablePath(table)}; it is not followed`);
  }
  const rebased = new URL(instanceBase(config));
  rebased.pathname = link.pathname;
  rebased.search = link.search;
  if (rebased.href === currentUrl) throw new ConnectorError('upstream_bad_response', 'the Link header says the next page is the current page');
  return rebased.href;
}

/** Whether `path` is the Table API path of `table`, versioned or not (`/api/now/v2/table/…`). */
function isPageOf(table: string, path: string): boolean {
  // Table names are [a-z0-9_] (config.ts), so the name is safe inside the pattern.
  return new RegExp(`^/api/now/(?:v\\d+/)?table/${table}$`).test(path);
}

export function tableStream(stream: StreamName, description: string): StreamDefinition<ServiceNowConfig, ServiceNowCredentials, unknown> {
  return {
    description,
    defaultIntervalSeconds: 300,
    poll: (ctx, stored, mode) => pollTable(ctx, stream, stored, mode),
  };
}
