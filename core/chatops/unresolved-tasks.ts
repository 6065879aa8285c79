import type { Kysely } from 'kysely';
import type { UnresolvedTask } from '../../connectors/sdk/operations.types.ts';
import type { Database } from '../db/database.types.ts';

/**
 * The tasks not yet resolved of each integration, the open ones (waiting for someone) first, then
 * oldest first. Few: an integration has at most one unresolved task per failure code.
 */
export async function unresolvedTasksOf(db: Kysely<Database>, tenantId: string, integrationIds: string[]): Promise<Map<string, UnresolvedTask[]>> {
  const byIntegration = new Map<string, UnresolvedTask[]>();
  if (integrationIds.length === 0) return byIntegration;
  const rows = await db
    .selectFrom('tasks')
    .select(['integration_id', 'number', 'status'])
    .where('tenant_id', '=', tenantId)
    .where('integration_id', 'in', integrationIds)
    .where('status', '<>', 'resolved')
    .orderBy((eb) => eb.case().when('status', '=', 'open').then(0).else(1).end())
    .orderBy('number')
    .execute();
  for (const row of rows) {
    if (!row.integration_id) continue;
    const tasks = byIntegration.get(row.integration_id) ?? [];
    tasks.push({ key: `TASK-${row.number}`, acknowledged: row.status === 'acknowledged' });
    byIntegration.set(row.integration_id, tasks);
  }
  return byIntegration;
}
