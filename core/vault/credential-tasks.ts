import type { HubContext } from '../server/hub-context.ts';
import { addHistory } from '../tasks/task.repository.ts';
import { alertTaskChanged } from '../tasks/task-alerts.service.ts';

type CredentialTaskCode = 'credential_expiring' | 'auth_expired';

/**
 * New credentials settle the tasks that old ones caused: expiry reminders and auth failures. A new
 * expiry date alone settles only the reminder (`codes`), saying why in the task history.
 */
export async function resolveCredentialTasks(
  hub: HubContext,
  integrationId: string,
  { codes = ['credential_expiring', 'auth_expired'], why = 'the credentials were rotated' }: { codes?: readonly CredentialTaskCode[]; why?: string } = {},
): Promise<void> {
  const resolved = await hub.db
    .updateTable('tasks')
    .set({ status: 'resolved', resolved_by: 'system', resolved_at: hub.clock(), updated_at: hub.clock() })
    .where('integration_id', '=', integrationId)
    .where('status', '<>', 'resolved')
    .where('code', 'in', [...codes])
    .returningAll()
    .execute();
  for (const task of resolved) {
    await addHistory(hub.db, task, 'resolved', 'system', why);
    await alertTaskChanged(hub, task);
  }
}
