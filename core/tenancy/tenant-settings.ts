import { z } from 'zod';
import type { HubContext } from '../server/hub-context.ts';

export const TenantSettings = z.strictObject({
  /** Credential rotations wait for a second admin's approval. */
  requireRotationApproval: z.boolean().default(false),
});
export type TenantSettings = z.infer<typeof TenantSettings>;

export async function tenantSettings(hub: Pick<HubContext, 'db'>, tenantId: string): Promise<TenantSettings> {
  const row = await hub.db.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirstOrThrow();
  return TenantSettings.parse({ ...TenantSettings.parse({}), ...(row.settings as object) });
}

export async function updateTenantSettings(hub: Pick<HubContext, 'db'>, tenantId: string, change: Partial<TenantSettings>): Promise<TenantSettings> {
  const next = { ...(await tenantSettings(hub, tenantId)), ...change };
  await hub.db.updateTable('tenants').set({ settings: JSON.stringify(next) }).where('id', '=', tenantId).execute();
  return next;
}
