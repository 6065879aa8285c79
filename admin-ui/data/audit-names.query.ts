import type { ListedAuditEntry } from '../../core/audit/audit.repository.ts';
import { isUuidText } from '../../core/db/uuid-text.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import { integrationNames } from './run.query.ts';

/**
 * What the audit log page calls the actors and targets of its entries. The log keeps stable ids
 * (users and tokens are renamed or deleted later); people read emails, token names, integration
 * and route names and task numbers. An id no longer found is shown as it is.
 */
export interface AuditNames {
  users: Map<string, string>;
  tokens: Map<string, string>;
  integrations: Map<string, string>;
  routes: Map<string, string>;
  tasks: Map<string, string>;
}

function idsOf(entries: readonly ListedAuditEntry[], types: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const entry of entries) {
    if (types.includes(entry.actor_type) && isUuidText(entry.actor_id)) ids.add(entry.actor_id.toLowerCase());
    if (entry.target_type && types.includes(entry.target_type) && entry.target_id && isUuidText(entry.target_id)) ids.add(entry.target_id.toLowerCase());
  }
  return [...ids];
}

async function namesOf(ids: string[], load: (ids: string[]) => Promise<Array<{ id: string; label: string }>>): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  return new Map((await load(ids)).map((row) => [row.id, row.label]));
}

export async function auditNames(hub: HubContext, tenantId: string, entries: readonly ListedAuditEntry[]): Promise<AuditNames> {
  const [users, tokens, routes, tasks, integrations] = await Promise.all([
    namesOf(idsOf(entries, ['user']), (ids) => hub.db.selectFrom('users').select(['id', 'email as label']).where('tenant_id', '=', tenantId).where('id', 'in', ids).execute()),
    namesOf(idsOf(entries, ['token', 'api_token']), (ids) => hub.db.selectFrom('api_tokens').select(['id', 'name as label']).where('tenant_id', '=', tenantId).where('id', 'in', ids).execute()),
    namesOf(idsOf(entries, ['route']), (ids) => hub.db.selectFrom('routes').select(['id', 'name as label']).where('tenant_id', '=', tenantId).where('id', 'in', ids).execute()),
    namesOf(idsOf(entries, ['task']), async (ids) =>
      (await hub.db.selectFrom('tasks').select(['id', 'number']).where('tenant_id', '=', tenantId).where('id', 'in', ids).execute()).map((row) => ({ id: row.id, label: `TASK-${row.number}` })),
    ),
    integrationNames(hub, tenantId),
  ]);
  return { users, tokens, integrations, routes, tasks };
}
