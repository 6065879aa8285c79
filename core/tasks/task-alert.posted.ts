import type { AlertRef, Escalation } from '../../connectors/sdk/task-alerts.types.ts';
import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { redrawIfChanged, type DrawnTask } from './task-alert.drawing.ts';
import { rememberPostedAlert } from './task-alerts.service.ts';

/**
 * After an alert showing `drawn` was posted (by the task's own post run or by a route's action):
 * saves where it landed, then looks at the task again. Only once saved can the task's changes find
 * the alert to update it; one committed while the alert was drawn, sent and saved is seen by the
 * second look instead (savePostedAlert says why one of the two always sees it), and redrawn.
 * Neither step fails the run: the alert is out, and a retry would post it a second time.
 */
export async function recordPostedAlert(
  hub: HubContext,
  integration: IntegrationConfigRow,
  run: Pick<RunRow, 'id'>,
  drawn: DrawnTask,
  escalation: Escalation | null,
  ref: AlertRef,
): Promise<void> {
  await rememberPostedAlert(hub, integration, { alert: { taskId: drawn.id }, escalation }, ref);
  await redrawIfChanged(hub, integration, run, drawn, ref);
}
