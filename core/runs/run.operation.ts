import type { RunRow } from '../db/database.types.ts';

type OperationRun = Pick<RunRow, 'kind' | 'stream' | 'action' | 'route_id'>;

/**
 * What a run exercised, as a failure task remembers it: `poll:<stream>`, `action:<action>:route:<routeId>`
 * for a route's action, `action:<action>` for any other action run (task alerts, digests) or
 * `check`. A task stays open until every operation that failed with its code has succeeded again,
 * so the key must be the same for every run of that operation and differ between operations: two
 * routes running the same action with different templates are different operations, and the one
 * that works proves nothing about the other.
 */
export function operationOf(run: OperationRun): string {
  if (run.kind === 'poll') return `poll:${run.stream ?? ''}`;
  if (run.kind === 'action') return run.route_id ? routeActionOperation(run.action ?? '', run.route_id) : actionKey(run);
  return run.kind;
}

/** The operation of a route's action runs. */
export function routeActionOperation(action: string, routeId: string): string {
  return `action:${action}:route:${routeId}`;
}

function actionKey(run: OperationRun): string {
  return `action:${run.action ?? ''}`;
}

/**
 * Keys that earlier versions gave the same operation, which a success settles as well: tasks
 * opened before route actions were told apart remember a route's action as `action:<action>`, and
 * any route's success of that action settles it, as it did then.
 */
export function formerOperationKeysOf(run: OperationRun): string[] {
  return run.kind === 'action' && run.route_id ? [actionKey(run)] : [];
}
