import type { ConnectorContext, PollMode, PollPage, StreamDefinition } from '../sdk/connector.types.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { listQuery, parseLinkHeader, tablePath } from './client.ts';
import { tableFor, type ServiceNowConfig, type ServiceNowCredentials, type StreamName } from './config.ts';
import { advance, readCursor, unseen, type ServiceNowCursor } from './cursor.ts';
import { resultRecords, toPolledRecord } from './mappers.ts';

type Context = ConnectorContext<ServiceNowConfig, ServiceNowCredentials>;

/**
 * Pages through one table oldest change first.
 *
 * Whenever a page moves the cursor, the next page is a fresh query from the new cursor instead of
 * the Link header's next offset: offsets shift when a record already read is updated mid-run (it
 * moves to the end), which would silently skip the record that slid into the read range, and the
 * cursor would then move past it for good. Re-querying from the cursor cannot skip anything. The
 * `rel="next"` link is still what says more pages exist, and it is followed when a page did not
 * move the cursor (more records share one second than fit on a page).
 */
async function* pollTable(ctx: Context, stream: StreamName, stored: unknown, mode: PollMode): AsyncGenerator<PollPage<ServiceNowCursor>> {
  const table = tableFor(ctx.config, stream);
  let cursor = mode === 'full' ? undefined : readCursor(stored);
  let followLink: string | undefined;
  for (;;) {
    ctx.signal.throwIfAborted();
    const response = await ctx.http.request(
      followLink === undefined ? { url: tablePath(table), query: listQuery(ctx.config, cursor?.updatedOn) } : { url: followLink },
    );
    const records = resultRecords(response.body, table);
    const next = advance(cursor, records);
    if (next === undefined) return;
    yield { records: unseen(records, cursor).map(toPolledRecord), cursor: next };

    const nextLink = parseLinkHeader(response.headers['link'], response.url).get('next');
    const moved = next.updatedOn !== cursor?.updatedOn;
    // A short page ends the run only once the cursor has moved: ACLs can shorten a page inside a
    // crowded second (ASSUMPTION, see README), and stopping there would re-read it every run, forever.
    if (nextLink === undefined || (moved && records.length < ctx.config.pageSize)) return;
    followLink = moved ? undefined : checkedNextLink(nextLink, response.url, ctx.config);
    cursor = next;
  }
}

/**
 * Credentials go with every request, so only the link's path and query are taken and sent to the
 * configured instance (the header may also name another host of the same instance, such as the
 * service-now.com name behind a custom domain).
 */
function checkedNextLink(nextLink: string, currentUrl: string, config: ServiceNowConfig): string {
  const link = new URL(nextLink);
  const rebased = new URL(`${link.pathname}${link.search}`, config.instanceUrl).toString();
  if (rebased === currentUrl) throw new ConnectorError('upstream_bad_response', 'the Link header says the next page is the current page');
  return rebased;
}

export function tableStream(stream: StreamName, description: string): StreamDefinition<ServiceNowConfig, ServiceNowCredentials, unknown> {
  return {
    description,
    defaultIntervalSeconds: 300,
    poll: (ctx, stored, mode) => pollTable(ctx, stream, stored, mode),
  };
}
