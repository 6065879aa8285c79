import type { HubContext } from '../server/hub-context.ts';
import { addHistory } from '../tasks/task.repository.ts';
import { alertTaskChanged } from '../tasks/task-alerts.service.ts';

/** New credentials settle the tasks that old ones caused: expiry reminders and auth failures. */
export async function resolveCredentialTasks(hub: HubContext, integrationId: string): Promise<void> {
  const resolved = await hub.db
    .updateTable('tasks')
    .set({ status: 'resolved', resolved_by: 'system', resolved_at: hub.clock(), updated_at: hub.clock() })
    .where('integration_id', '=', integrationId)
    .where('status', '<>', 'resolved')
    .where('code', 'in', ['credential_expiring', 'auth_expired'])
    .returningAll()
    .execute();
  for (const task of resolved) {
    await addHistory(hub.db, task, 'resolved', 'system', 'the credentials were rotated');
    await alertTaskChanged(hub, task);
  }
}
