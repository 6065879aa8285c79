import type { Kysely } from 'kysely';
import type { Database, IntegrationConfigRow } from '../db/database.types.ts';
import { isoMicros } from '../db/keyset.ts';

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

/** An integration with its version: `updated_at` at full precision, read with the row it belongs to. */
export type VersionedIntegration = IntegrationConfigRow & { version: string };

/**
 * The integration plus its version (`updated_at` at full precision, microseconds, ISO in UTC) from
 * one read, so an edit form carries the version of exactly the values it shows and its save
 * applies only to those. A JavaScript Date would cut the time to milliseconds.
 */
export async function findVersionedIntegration(db: Kysely<Database>, tenantId: string, id: string): Promise<VersionedIntegration | undefined> {
  return db
    .selectFrom('integration_configs')
    .selectAll()
    .select(isoMicros('updated_at').as('version'))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}
