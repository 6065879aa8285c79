import { literalAsUtc } from './time.ts';

// A subset of ServiceNow's encoded query language, enough for what connectors send:
// `^` AND, `^OR` OR (binding tighter than AND), ORDERBY/ORDERBYDESC, and the common operators.
// Anything else is rejected loudly so a test notices instead of silently matching everything.

export type FakeRecord = Record<string, string>;

const OPERATORS = ['>=', '<=', '!=', '>', '<', '=', 'LIKE', 'STARTSWITH', 'ENDSWITH', 'IN', 'ISEMPTY', 'ISNOTEMPTY'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Condition {
  field: string;
  operator: Operator;
  value: string;
}

export interface OrderBy {
  field: string;
  descending: boolean;
}

export interface ParsedQuery {
  /** AND of OR-groups. */
  where: Condition[][];
  orderBy: OrderBy[];
}

export class QueryError extends Error {
  override name = 'QueryError';
}

/** Splits on `^`, where `^^` stands for a literal caret inside a value. */
export function splitClauses(query: string): string[] {
  const clauses: string[] = [];
  let current = '';
  for (let i = 0; i < query.length; i++) {
    const char = query[i];
    if (char === '^' && query[i + 1] === '^') {
      current += '^';
      i++;
    } else if (char === '^') {
      clauses.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  clauses.push(current);
  return clauses.filter((clause) => clause !== '' && clause !== 'EQ');
}

const CONDITION = new RegExp(`^([a-z0-9_.]+)(${OPERATORS.map((op) => op.replace(/[<>=!]/g, '\\$&')).join('|')})(.*)$`, 's');

export function parseCondition(clause: string): Condition {
  const match = CONDITION.exec(clause);
  if (!match) throw new QueryError(`unsupported query clause: ${clause}`);
  const [, field = '', operator = '', value = ''] = match;
  return { field, operator: operator as Operator, value };
}

export function parseEncodedQuery(query: string): ParsedQuery {
  const parsed: ParsedQuery = { where: [], orderBy: [] };
  for (const clause of splitClauses(query)) {
    if (clause.startsWith('ORDERBYDESC')) parsed.orderBy.push({ field: clause.slice('ORDERBYDESC'.length), descending: true });
    else if (clause.startsWith('ORDERBY')) parsed.orderBy.push({ field: clause.slice('ORDERBY'.length), descending: false });
    else if (clause.startsWith('NQ')) throw new QueryError('^NQ (new query) is not supported by the fake');
    else if (clause.startsWith('OR')) {
      const group = parsed.where.at(-1);
      if (!group) throw new QueryError(`^OR without a preceding condition: ${clause}`);
      group.push(parseCondition(clause.slice(2)));
    } else parsed.where.push([parseCondition(clause)]);
  }
  return parsed;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** GUID fields: text even when a hex id happens to be all digits (sys_id> and ORDERBYsys_id agree). */
const TEXT_FIELDS: ReadonlySet<string> = new Set(['sys_id']);

/** Numeric when both sides look numeric (ServiceNow compares integer fields as numbers), else by code unit. */
export function compareValues(a: string, b: string): number {
  if (NUMBER.test(a) && NUMBER.test(b)) return Number(a) - Number(b);
  return compareText(a, b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareField(field: string, a: string, b: string): number {
  return TEXT_FIELDS.has(field) ? compareText(a, b) : compareValues(a, b);
}

export function matchesCondition(record: Readonly<FakeRecord>, { field, operator, value }: Condition): boolean {
  const actual = record[field] ?? '';
  switch (operator) {
    case '=': return actual === value;
    case '!=': return actual !== value;
    case '>': return compareField(field, actual, value) > 0;
    case '>=': return compareField(field, actual, value) >= 0;
    case '<': return compareField(field, actual, value) < 0;
    case '<=': return compareField(field, actual, value) <= 0;
    case 'LIKE': return actual.toLowerCase().includes(value.toLowerCase());
    case 'STARTSWITH': return actual.toLowerCase().startsWith(value.toLowerCase());
    case 'ENDSWITH': return actual.toLowerCase().endsWith(value.toLowerCase());
    case 'IN': return value.split(',').includes(actual);
    case 'ISEMPTY': return actual === '';
    case 'ISNOTEMPTY': return actual !== '';
  }
}

export function matchesQuery(record: Readonly<FakeRecord>, query: ParsedQuery): boolean {
  return query.where.every((group) => group.some((condition) => matchesCondition(record, condition)));
}

export function compareByOrder(orderBy: OrderBy[]): (a: Readonly<FakeRecord>, b: Readonly<FakeRecord>) => number {
  return (a, b) => {
    for (const { field, descending } of orderBy) {
      const order = compareField(field, a[field] ?? '', b[field] ?? '');
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  };
}

/**
 * Filters and orders; Array.prototype.sort is stable, so ties keep insertion order. Date-time
 * literals are read in the user's time zone, `userUtcOffsetMinutes` east of UTC (see
 * FakeServiceNowOptions), while records hold UTC.
 */
export function runQuery(records: readonly Readonly<FakeRecord>[], encodedQuery: string, userUtcOffsetMinutes = 0): Readonly<FakeRecord>[] {
  const parsed = parseEncodedQuery(encodedQuery);
  const where = parsed.where.map((group) => group.map((condition) => ({ ...condition, value: literalAsUtc(condition.value, userUtcOffsetMinutes) })));
  const query = { ...parsed, where };
  return records.filter((record) => matchesQuery(record, query)).sort(compareByOrder(query.orderBy));
}
