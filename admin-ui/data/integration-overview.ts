import { integrationHealth } from '../../core/health/integration-health.service.ts';
import type { IntegrationConfigRow } from '../../core/db/database.types.ts';
import { listIntegrations, type IntegrationFilter } from '../../core/integrations/integration.repository.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import type { IntegrationHealth } from '../../schemas/api/integration.schema.ts';
import type { DisplayedHealth } from '../components/badges.ts';

export interface IntegrationOverview {
  row: IntegrationConfigRow;
  health: IntegrationHealth;
  displayed: DisplayedHealth;
}

/** The API's health, except that an integration that never finished a run reads "no runs yet", not "healthy". */
export function displayedHealth(health: IntegrationHealth): DisplayedHealth {
  if (health.status === 'healthy' && !health.lastSuccessAt && !health.lastFailureAt) return 'new';
  return health.status;
}

export async function integrationOverviews(hub: HubContext, tenantId: string, filter: IntegrationFilter = {}): Promise<IntegrationOverview[]> {
  const rows = await listIntegrations(hub.db, tenantId, filter);
  const health = await integrationHealth(hub, rows);
  return rows.flatMap((row) => {
    const h = health.get(row.id);
    return h ? [{ row, health: h, displayed: displayedHealth(h) }] : [];
  });
}
