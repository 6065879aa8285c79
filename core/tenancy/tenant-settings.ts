import { z } from 'zod';
import type { HubContext } from '../server/hub-context.ts';

export const TenantSettings = z.strictObject({
  /** Credential rotations wait for a second admin's approval. */
  requireRotationApproval: z.boolean().default(false),
});
export type TenantSettings = z.infer<typeof TenantSettings>;

/**
 * The tenant's settings. `forShare` (inside a transaction) holds a change of them back until the
 * transaction ends, and waits for one in progress: a write that a setting allows is then ordered
 * wholly before or after the change, never read under the old value and committed under the new.
 */
export async function tenantSettings(hub: Pick<HubContext, 'db'>, tenantId: string, { forShare = false } = {}): Promise<TenantSettings> {
  let select = hub.db.selectFrom('tenants').select('settings').where('id', '=', tenantId);
  if (forShare) select = select.forShare();
  const row = await select.executeTakeFirstOrThrow();
  return TenantSettings.parse({ ...TenantSettings.parse({}), ...(row.settings as object) });
}

export async function updateTenantSettings(hub: Pick<HubContext, 'db'>, tenantId: string, change: Partial<TenantSettings>): Promise<TenantSettings> {
  const next = { ...(await tenantSettings(hub, tenantId)), ...change };
  await hub.db.updateTable('tenants').set({ settings: JSON.stringify(next) }).where('id', '=', tenantId).execute();
  return next;
}
