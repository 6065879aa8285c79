import type { RunRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { TASK_ALERT_ACTIONS } from '../tasks/task-alerts.service.ts';

/**
 * Whether an action run whose worker died while it ran may simply run again. Its call may already
 * have reached the upstream, and the run cannot tell: only an action that does no more when run
 * twice (it says so: `idempotent`) runs again. A task alert's update redraws the message as the
 * task is now, so it may; a post, an escalation or a digest would appear twice.
 */
export function safeToRunAgain(hub: Pick<HubContext, 'connectors'>, run: Pick<RunRow, 'action'>, connectorId: string): boolean {
  if (run.action === TASK_ALERT_ACTIONS.update) return true;
  if (!run.action || run.action.startsWith('task_alert.')) return false;
  return hub.connectors.get(connectorId)?.actions?.[run.action]?.idempotent === true;
}
