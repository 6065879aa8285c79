import type { RunRow } from '../db/database.types.ts';

/**
 * What a run exercised, as a failure task remembers it: `poll:<stream>`, `action:<action>` or
 * `check`. A task stays open until every operation that failed with its code has succeeded again,
 * so the key must be the same for every run of that operation and differ between operations.
 */
export function operationOf(run: Pick<RunRow, 'kind' | 'stream' | 'action'>): string {
  if (run.kind === 'poll') return `poll:${run.stream ?? ''}`;
  if (run.kind === 'action') return `action:${run.action ?? ''}`;
  return run.kind;
}
