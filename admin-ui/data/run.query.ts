import type { HubContext } from '../../core/server/hub-context.ts';
import { integrationLabels } from './integration-labels.ts';

/** Integration names by id (integration-labels.ts), for tables and filters that span integrations. */
export async function integrationNames(hub: HubContext, tenantId: string): Promise<Map<string, string>> {
  const rows = await hub.db.selectFrom('integration_configs').select(['id', 'name', 'environment']).where('tenant_id', '=', tenantId).orderBy('name').execute();
  return integrationLabels(rows);
}
