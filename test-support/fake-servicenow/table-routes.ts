import type { ServerResponse } from 'node:http';
import { sendError, sendJson } from './http-io.ts';
import { pageLinks } from './link.ts';
import { QueryError, runQuery, type FakeRecord } from './query.ts';
import type { FakeTables } from './tables.ts';

export interface RouteContext {
  method: string;
  /** Absolute, with the host the client used, so Link URLs point back at the fake. */
  url: URL;
  body: Buffer;
  /** Media type of the request body, without parameters. */
  contentType: string;
  user: string;
  /** The user's time zone, in which query date literals are read (FakeServiceNowOptions). */
  userUtcOffsetMinutes: number;
  /** Tables the instance does not have answer 400 (FakeServiceNowOptions.strictTables). */
  strictTables: boolean;
  response: ServerResponse;
  tables: FakeTables;
}

const DEFAULT_LIMIT = 10_000;

function selectFields(record: Readonly<FakeRecord>, fields: string | null): Readonly<FakeRecord> {
  if (!fields) return record;
  const selected: FakeRecord = {};
  for (const field of fields.split(',').map((f) => f.trim())) if (record[field] !== undefined) selected[field] = record[field];
  return selected;
}

function nonNegativeInt(value: string | null, fallback: number): number | undefined {
  if (value === null || value === '') return fallback;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function asStrings(fields: Record<string, unknown>): Partial<FakeRecord> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
}

function list(ctx: RouteContext, table: string): void {
  const params = ctx.url.searchParams;
  const limit = nonNegativeInt(params.get('sysparm_limit'), DEFAULT_LIMIT);
  const offset = nonNegativeInt(params.get('sysparm_offset'), 0);
  if (limit === undefined || limit === 0 || offset === undefined) return sendError(ctx.response, 400, 'Invalid sysparm_limit or sysparm_offset', null);
  let matched: Readonly<FakeRecord>[];
  try {
    matched = runQuery(ctx.tables.scan(table), params.get('sysparm_query') ?? '', ctx.userUtcOffsetMinutes);
  } catch (error) {
    if (error instanceof QueryError) return sendError(ctx.response, 400, 'Invalid query', error.message);
    throw error;
  }
  const page = matched.slice(offset, offset + limit).map((record) => selectFields(record, params.get('sysparm_fields')));
  const headers: Record<string, string> = { link: pageLinks(ctx.url, offset, limit, matched.length) };
  if (params.get('sysparm_no_count') !== 'true') headers['x-total-count'] = String(matched.length);
  sendJson(ctx.response, 200, { result: page }, headers);
}

function notFound(response: ServerResponse): void {
  sendError(response, 404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
}

export function handleTable(ctx: RouteContext, table: string, sysId: string | undefined): void {
  const fields = ctx.url.searchParams.get('sysparm_fields');
  // ASSUMPTION (not in the fact sheet): the Table API answers 400 "Invalid table <name>" for a table the instance does not have.
  if (ctx.strictTables && !ctx.tables.exists(table)) return sendError(ctx.response, 400, `Invalid table ${table}`, null);
  if (sysId === undefined) {
    if (ctx.method === 'GET') return list(ctx, table);
    if (ctx.method !== 'POST') return sendError(ctx.response, 405, 'Method not Supported', null);
    const body = parseJsonObject(ctx.body);
    if (!body) return sendError(ctx.response, 400, 'Exception while reading request', 'The payload is not valid JSON.');
    const record = ctx.tables.insert(table, asStrings(body), ctx.user);
    const location = `${ctx.url.origin}/api/now/table/${table}/${record['sys_id'] ?? ''}`;
    return sendJson(ctx.response, 201, { result: selectFields(record, fields) }, { location });
  }
  const existing = ctx.tables.get(table, sysId);
  if (!existing) return notFound(ctx.response);
  if (ctx.method === 'GET') return sendJson(ctx.response, 200, { result: selectFields(existing, fields) });
  if (ctx.method === 'DELETE') {
    ctx.tables.delete(table, sysId);
    ctx.response.writeHead(204).end();
    return;
  }
  if (ctx.method !== 'PATCH' && ctx.method !== 'PUT') return sendError(ctx.response, 405, 'Method not Supported', null);
  const body = parseJsonObject(ctx.body);
  if (!body) return sendError(ctx.response, 400, 'Exception while reading request', 'The payload is not valid JSON.');
  const updated = ctx.tables.update(table, sysId, asStrings(body), ctx.user);
  sendJson(ctx.response, 200, { result: selectFields(updated, fields) });
}
