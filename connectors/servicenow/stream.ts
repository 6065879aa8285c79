import type { ConnectorContext, PollMode, PollPage, StreamDefinition } from '../sdk/connector.types.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { listQuery, parseLinkHeader, tablePath, type ReadFrom } from './client.ts';
import { tableFor, type ServiceNowConfig, type ServiceNowCredentials, type StreamName } from './config.ts';
import { advance, readCursor, unseen, type ServiceNowCursor } from './cursor.ts';
import { resultRecords, toPolledRecord } from './mappers.ts';
import { assertReadHonoured, nextRead } from './paging.ts';

type Context = ConnectorContext<ServiceNowConfig, ServiceNowCredentials>;

/**
 * Pages through one table oldest change first. Which request reads the next page is decided in
 * paging.ts: fresh queries from the cursor's second, keyset reads inside a crowded second, and the
 * Link header's offset only where no record is left to continue after.
 */
async function* pollTable(ctx: Context, stream: StreamName, stored: unknown, mode: PollMode): AsyncGenerator<PollPage<ServiceNowCursor>> {
  const table = tableFor(ctx.config, stream);
  let cursor = mode === 'full' ? undefined : readCursor(stored);
  let read: ReadFrom | undefined = cursor === undefined ? undefined : { kind: 'from_second', updatedOn: cursor.updatedOn };
  let followLink: string | undefined;
  for (;;) {
    ctx.signal.throwIfAborted();
    const response = await ctx.http.request(followLink === undefined ? { url: tablePath(table), query: listQuery(ctx.config, read) } : { url: followLink });
    const records = resultRecords(response.body, table);
    assertReadHonoured(read, records);
    const next = advance(cursor, records);
    if (next !== undefined && records.length > 0) yield { records: unseen(records, cursor).map(toPolledRecord), cursor: next };

    const nextLink = parseLinkHeader(response.headers['link'], response.url).get('next');
    const step = nextRead({ read, records, nextLink, pageSize: ctx.config.pageSize, cursorBefore: cursor?.updatedOn });
    if (step.kind === 'done') return;
    if (step.kind === 'link') {
      followLink = checkedNextLink(step.url, response.url, ctx.config);
    } else {
      read = step.from;
      followLink = undefined;
    }
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
