import type { HubContext } from '../../core/server/hub-context.ts';

/**
 * Integration names by id, for tables and filters that span integrations. Names are unique within
 * an environment only: a name used in both says which environment it is, so staging and
 * production cannot be mistaken for each other.
 */
export async function integrationNames(hub: HubContext, tenantId: string): Promise<Map<string, string>> {
  const rows = await hub.db.selectFrom('integration_configs').select(['id', 'name', 'environment']).where('tenant_id', '=', tenantId).orderBy('name').execute();
  const shared = namesInBothEnvironments(rows);
  return new Map(rows.map((row) => [row.id, shared.has(row.name) ? `${row.name} · ${row.environment}` : row.name]));
}

/** The names more than one of the integrations carries (one in each environment). */
export function namesInBothEnvironments(rows: ReadonlyArray<{ name: string }>): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const { name } of rows) (seen.has(name) ? shared : seen).add(name);
  return shared;
}
