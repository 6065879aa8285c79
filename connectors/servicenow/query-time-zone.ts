import type { ConnectorContext } from '../sdk/connector.types.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { tablePath } from './client.ts';
import type { ServiceNowConfig, ServiceNowCredentials } from './config.ts';
import { resultRecords, type ServiceNowRecord } from './mappers.ts';

// The cursor holds a raw sys_updated_on, which the Table API returns in UTC (display values off),
// and the next poll puts it back into the query as a literal: `sys_updated_on>=<cursor>`. That the
// instance reads the literal as UTC too is UNCONFIRMED (fact sheet: "give the integration user the
// UTC time zone"). If it reads it in a user time zone west of UTC, `>=` starts hours later than the
// cursor and the records in between are skipped for good with nothing to show for it (east of UTC
// the read starts earlier: paging.ts's assertReadHonoured fails on the older records it gets).
//
// So the instance is asked: a record whose raw sys_updated_on is S must match
// `sys_id=<its sys_id>^sys_updated_on>=S^sys_updated_on<=S`. Both sides: a zone west of UTC fails
// the first, one east of it the second (the literal reads as an earlier instant). A record updated
// in between is asked about again with its new S; a record deleted in between proves nothing.
//
// ASSUMPTION (not in the fact sheet): the integration user's time zone is what moves the literal,
// so setting it to UTC is the fix the error names.

type Context = ConnectorContext<ServiceNowConfig, ServiceNowCredentials>;

// A record changing under every look (a busy one) leaves the question open rather than the run failed.
const MAX_LOOKS = 3;

/** Fails with config_invalid when the instance reads query dates in another zone than it returns them. */
export async function assertQueryDatesReadAsUtc(ctx: Context, table: string, record: ServiceNowRecord, updatedOn: string): Promise<void> {
  let stamp = updatedOn;
  for (let look = 0; look < MAX_LOOKS; look++) {
    const found = await readOne(ctx, table, `sys_id=${record.sys_id}^sys_updated_on>=${stamp}^sys_updated_on<=${stamp}`, record.sys_id);
    if (found !== undefined) return;
    const now = await readOne(ctx, table, `sys_id=${record.sys_id}`, record.sys_id);
    if (now === undefined) {
      ctx.logger.warn({ table, sysId: record.sys_id }, 'time zone of query dates not verified: the record read for it was deleted meanwhile');
      return;
    }
    if (now['sys_updated_on'] === stamp || typeof now['sys_updated_on'] !== 'string') throw readInAnotherZone(table, record.sys_id, stamp);
    stamp = now['sys_updated_on'];
  }
  ctx.logger.warn({ table, sysId: record.sys_id }, 'time zone of query dates not verified: the record read for it changed at every look');
}

function readInAnotherZone(table: string, sysId: string, updatedOn: string): ConnectorError {
  return new ConnectorError(
    'config_invalid',
    `ServiceNow does not read dates in queries as UTC: ${table} ${sysId}, updated ${updatedOn} UTC, ` +
      `does not match sys_updated_on>=${updatedOn}^sys_updated_on<=${updatedOn}, so polls would skip records or read them again. ` +
      "Set the integration user's time zone to UTC (its user record, field Time zone), then run the check again.",
  );
}

async function readOne(ctx: Context, table: string, query: string, sysId: string): Promise<ServiceNowRecord | undefined> {
  const response = await ctx.http.request({
    url: tablePath(table),
    query: { sysparm_query: query, sysparm_fields: 'sys_id,sys_updated_on', sysparm_limit: 1, sysparm_display_value: 'false' },
  });
  return resultRecords(response.body, table).find((found) => found.sys_id === sysId);
}
