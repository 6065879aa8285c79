import type { CheckResult, ConnectorContext } from '../sdk/connector.types.ts';
import { tablePath } from './client.ts';
import { tableFor, type ServiceNowConfig, type ServiceNowCredentials } from './config.ts';
import { resultRecords, updatedOn } from './mappers.ts';
import { assertQueryDatesReadAsUtc } from './query-time-zone.ts';

function actingAs(credentials: ServiceNowCredentials): string {
  const { auth } = credentials;
  if (auth.type === 'basic') return ` as ${auth.username}`;
  if (auth.grant === 'password' && auth.username !== undefined) return ` as ${auth.username}`;
  if (auth.grant === 'client_credentials') return ' as the OAuth application user';
  return '';
}

/**
 * Reads one incident: proves URL, credentials and read access in one call. With a record to go
 * by, it also proves the instance reads query dates as UTC (query-time-zone.ts), which polls need.
 */
export async function checkServiceNow(ctx: ConnectorContext<ServiceNowConfig, ServiceNowCredentials>): Promise<CheckResult> {
  const table = tableFor(ctx.config, 'incident');
  const response = await ctx.http.request({ url: tablePath(table), query: { sysparm_limit: 1, sysparm_fields: 'sys_id,number,sys_updated_on' } });
  const [record] = resultRecords(response.body, table);
  const who = actingAs(ctx.credentials);
  if (!record) return { ok: true, detail: `connected${who}; ${table} returned no records (the table is empty or the user may read none)` };
  const at = updatedOn(record);
  if (at !== undefined) await assertQueryDatesReadAsUtc(ctx, table, record, at);
  const name = typeof record['number'] === 'string' ? record['number'] : record.sys_id;
  return { ok: true, detail: `read ${table} ${name}${who}` };
}
