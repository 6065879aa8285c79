import { sql, type RawBuilder } from 'kysely';

/**
 * The row is still at `version`: its `updated_at` at full precision (as `isoMicros` reads it for an
 * edit form). A condition of the UPDATE itself, so a change saved between a check and the write
 * cannot be undone by a stale form.
 */
export function atVersion(version: string): RawBuilder<boolean> {
  return sql<boolean>`updated_at = ${version}::timestamptz`;
}
