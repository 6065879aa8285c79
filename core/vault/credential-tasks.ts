import type { HubContext } from '../server/hub-context.ts';
import { resolveIntegrationTasks } from '../tasks/task.service.ts';

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
  await resolveIntegrationTasks(hub, integrationId, { actor: 'system', why, codes });
}
