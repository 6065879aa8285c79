import { QueryTimeoutError } from './postgres.pool.ts';

// PostgreSQL's error codes (SQLSTATE) the hub reacts to; PGlite raises the same codes.

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** 23505: a row with the same unique key already exists. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/** Class 22, "data exception": a value in the statement was refused (e.g. a NUL character in text). */
export function isDataException(error: unknown): boolean {
  return sqlState(error)?.startsWith('22') ?? false;
}

/** Class 54, "program limit exceeded": a value too large for an index entry, JSON nested too deep to parse. */
export function isProgramLimitExceeded(error: unknown): boolean {
  return sqlState(error)?.startsWith('54') ?? false;
}

/** 23503: a referenced row is missing (e.g. the integration was deleted while a delivery was on its way). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error) === '23503';
}

/**
 * `write`, with a foreign-key violation thrown as `gone()` instead: the row it refers to was read a
 * moment ago, so the violation means it was deleted in between (the write waited for that deletion
 * to commit). The caller answers as it would had the deletion come first.
 */
export async function onForeignKeyViolation<T>(write: Promise<T>, gone: () => Error): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isForeignKeyViolation(error)) throw gone();
    throw error;
  }
}

/**
 * Refused while connecting: no such database (3D000), a role or password the server refuses
 * (28000, 28P01). A setting to correct (DATABASE_URL), not an outage to wait out.
 */
export function isDatabaseRefusingLogin(error: unknown): boolean {
  const state = sqlState(error);
  return state === '3D000' || state === '28000' || state === '28P01';
}

/** 40P01: PostgreSQL broke a deadlock by failing this transaction; the others in the cycle went on. */
export function isDeadlock(error: unknown): boolean {
  return sqlState(error) === '40P01';
}

/**
 * Runs `transaction` again when PostgreSQL chose it as a deadlock's victim: it was rolled back whole,
 * and the lock it waited for is free by now. Only for work that is safe to repeat from the start.
 */
export async function retryingDeadlocks<T>(transaction: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (!isDeadlock(error) || attempt >= attempts) throw error;
    }
  }
}

// Connection exceptions (08), a server shutting down or terminating the backend (57P01–57P03),
// resources running out (53000, a full disk 53100, out of memory 53200, too many connections
// 53300), an I/O error reading or writing its files (58030), and a transaction PostgreSQL gave up
// on (40001 serialization, 40P01 deadlock): the same statement can succeed a moment later, once
// the server or its disk is back. Not 53400: a configured limit stays until someone changes it.
const RETRYABLE_STATES = new Set(['57P01', '57P02', '57P03', '53000', '53100', '53200', '53300', '58030', '40001', '40P01']);
// The driver's own words for a connection it lost or never got (no SQLSTATE on these); a statement
// past its deadline (QueryTimeoutError) lost its connection too.
const DRIVER_CONNECTION_FAILURES = [/^Connection terminated/, /^timeout exceeded when trying to connect/, /^Client has encountered a connection error/];
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/** The hub's database failed the statement for a reason that passes: try the work again later. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined && (state.startsWith('08') || RETRYABLE_STATES.has(state) || SOCKET_CODES.has(state))) return true;
  if (error instanceof QueryTimeoutError) return true;
  const message = error instanceof Error ? error.message : '';
  return DRIVER_CONNECTION_FAILURES.some((pattern) => pattern.test(message));
}

/**
 * An error PostgreSQL (or PGlite) answered a statement with: an SQLSTATE and a severity. Node's
 * socket errors carry a `code` too (EPIPE is five letters), but no severity.
 */
export function isDatabaseError(error: unknown): error is Error & { code: string; table?: string; column?: string; constraint?: string } {
  const state = sqlState(error);
  return state !== undefined && /^[0-9A-Z]{5}$/.test(state) && typeof (error as { severity?: unknown }).severity === 'string';
}

/** What a database error names of the schema (never a value): its SQLSTATE, table, column, constraint. */
export function databaseErrorSummary(error: { code: string; table?: string; column?: string; constraint?: string }): string {
  const names = [`SQLSTATE ${error.code}`];
  if (error.table) names.push(`table ${error.table}`);
  if (error.column) names.push(`column ${error.column}`);
  if (error.constraint) names.push(`constraint ${error.constraint}`);
  return names.join(', ');
}
