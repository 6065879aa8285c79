import type { ServiceNowConfig } from './config.ts';

// Request building for the Table and Attachment APIs: paths, the encoded query, the Link header.

export function tablePath(table: string): string {
  return `/api/now/table/${table}`;
}

export function recordPath(table: string, sysId: string): string {
  return `/api/now/table/${table}/${sysId}`;
}

export const ATTACHMENT_FILE_PATH = '/api/now/attachment/file';

/**
 * Where a person opens the record: the classic form URL. ASSUMPTION (not in the fact sheet):
 * `/<table>.do?sys_id=<id>` opens the record's form on every current release.
 */
export function recordUrl(instanceBase: string, table: string, sysId: string): string {
  return `${instanceBase}/${table}.do?sys_id=${sysId}`;
}

/** Leading/trailing carets and the `^EQ` terminator that ServiceNow's "Copy query" adds. */
function normaliseExtraQuery(extra: string): string {
  return extra.replace(/\^EQ$/, '').replace(/^\^+|\^+$/g, '');
}

/**
 * Where a read starts in the (sys_updated_on, sys_id) order. `from_second` is the cursor's query,
 * which re-reads the cursor's second; `within_second` pages through one crowded second by keyset,
 * after the last sys_id read in it; `after_second` carries on once that second is read to its end.
 *
 * ASSUMPTION (not in the fact sheet): `sys_updated_on=` and `sys_updated_on>` take the literal
 * UTC value as `>=` does, and `sys_id>` compares sys_ids as strings in the order ORDERBYsys_id
 * sorts them (32 lower-case hex characters, so every collation agrees).
 */
export type ReadFrom =
  | { kind: 'from_second'; updatedOn: string }
  | { kind: 'within_second'; updatedOn: string; afterSysId: string }
  | { kind: 'after_second'; updatedOn: string };

export function readClauses(from: ReadFrom): string[] {
  switch (from.kind) {
    case 'from_second':
      return [`sys_updated_on>=${from.updatedOn}`];
    case 'within_second':
      return [`sys_updated_on=${from.updatedOn}`, `sys_id>${from.afterSysId}`];
    case 'after_second':
      return [`sys_updated_on>${from.updatedOn}`];
  }
}

/**
 * The encoded query of a read; without `from` it reads everything. `^` is AND and binds looser
 * than `^OR`, so an admin's `a^ORb` stays one group AND-ed with the window. The sys_id tie-break
 * makes the order total, which paging relies on.
 */
export function encodedQuery(from: ReadFrom | undefined, extra: string | undefined): string {
  const clauses: string[] = [];
  const cleaned = extra === undefined ? '' : normaliseExtraQuery(extra);
  if (cleaned) clauses.push(cleaned);
  if (from !== undefined) clauses.push(...readClauses(from));
  clauses.push('ORDERBYsys_updated_on', 'ORDERBYsys_id');
  return clauses.join('^');
}

export function listQuery(config: ServiceNowConfig, from: ReadFrom | undefined): Record<string, string | number> {
  return {
    sysparm_query: encodedQuery(from, config.query),
    sysparm_limit: config.pageSize,
    sysparm_exclude_reference_link: 'true',
    sysparm_display_value: String(config.displayValue),
  };
}

/**
 * rel → absolute URL from an RFC 8288 Link header. Tolerates spacing, quoted or bare rel values,
 * several rels in one value and commas inside URLs (sysparm_fields=a,b); the first link of a rel
 * wins. Unparseable entries are skipped rather than failing the whole header.
 */
export function parseLinkHeader(header: string | undefined, baseUrl?: string): Map<string, string> {
  const links = new Map<string, string>();
  if (!header) return links;
  let position = 0;
  while (position < header.length) {
    const open = header.indexOf('<', position);
    const close = open === -1 ? -1 : header.indexOf('>', open);
    if (close === -1) break;
    let end = close + 1;
    for (let quoted = false; end < header.length && (quoted || header[end] !== '<'); end++) if (header[end] === '"') quoted = !quoted;
    const target = resolve(header.slice(open + 1, close).trim(), baseUrl);
    if (target !== undefined) for (const rel of relations(header.slice(close + 1, end))) if (!links.has(rel)) links.set(rel, target);
    position = end;
  }
  return links;
}

function relations(params: string): string[] {
  const match = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))/i.exec(params);
  const value = match?.[1] ?? match?.[2] ?? '';
  return value.split(/\s+/).filter(Boolean).map((rel) => rel.toLowerCase());
}

function resolve(target: string, baseUrl: string | undefined): string | undefined {
  try {
    return new URL(target, baseUrl).toString();
  } catch {
    return undefined;
  }
}
