// A row id as text: 8-4-4-4-12 hex, in either case, as PostgreSQL reads a uuid. Text of any other
// shape names no row, and bound as a uuid it would fail the whole statement.
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuidText(value: string | undefined): value is string {
  return value !== undefined && UUID_TEXT.test(value);
}
