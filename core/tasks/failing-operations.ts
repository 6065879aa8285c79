import { sql, type RawBuilder } from 'kysely';

// A task's `failing_operations` is a set kept in a text[] column. Each change is an expression over
// the row's current value, evaluated inside the UPDATE that takes the row lock, so two workers
// failing or succeeding at once each apply their change to the other's result and none is lost.

/** The set with `operation` added; unchanged when it is already in it. */
export function withFailingOperation(operation: string): RawBuilder<string[]> {
  return sql<string[]>`case when ${operation}::text = any(failing_operations) then failing_operations
    else array_append(failing_operations, ${operation}::text) end`;
}

/** The set without `operation`. */
export function withoutFailingOperation(operation: string): RawBuilder<string[]> {
  return sql<string[]>`array_remove(failing_operations, ${operation}::text)`;
}

/** The set that a task opened by a failure of `operation` starts with (none for a reminder). */
export function firstFailingOperations(operation: string | null): RawBuilder<string[]> {
  return operation === null ? sql<string[]>`'{}'::text[]` : sql<string[]>`array[${operation}::text]`;
}

/** True when the task's set holds `operation`. */
export function isFailing(operation: string): RawBuilder<boolean> {
  return sql<boolean>`${operation}::text = any(failing_operations)`;
}
