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

/** 23503: a referenced row is missing (e.g. the integration was deleted while a delivery was on its way). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error) === '23503';
}
