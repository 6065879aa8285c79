import type { HubContext } from '../../core/server/hub-context.ts';

/** Integration names by id, for tables that span integrations. */
export async function integrationNames(hub: HubContext, tenantId: string): Promise<Map<string, string>> {
  const rows = await hub.db.selectFrom('integration_configs').select(['id', 'name', 'environment']).where('tenant_id', '=', tenantId).orderBy('name').execute();
  return new Map(rows.map((row) => [row.id, `${row.name}`]));
}
