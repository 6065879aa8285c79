import type { Kysely } from 'kysely';
import type { Database, IntegrationConfigRow } from '../db/database.types.ts';

export interface IntegrationFilter {
  environment?: 'staging' | 'production' | undefined;
  connector?: string | undefined;
}

export async function listIntegrations(db: Kysely<Database>, tenantId: string, filter: IntegrationFilter): Promise<IntegrationConfigRow[]> {
  let select = db.selectFrom('integration_configs').selectAll().where('tenant_id', '=', tenantId);
  if (filter.environment) select = select.where('environment', '=', filter.environment);
  if (filter.connector) select = select.where('connector', '=', filter.connector);
  return select.orderBy('name').execute();
}

export async function findIntegration(db: Kysely<Database>, tenantId: string, id: string): Promise<IntegrationConfigRow | undefined> {
  return db.selectFrom('integration_configs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}
