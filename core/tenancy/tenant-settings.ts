import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.types.ts';
import { z } from 'zod';
import type { HubContext } from '../server/hub-context.ts';

export const TenantSettings = z.strictObject({
  /** Credential rotations wait for a second admin's approval. */
  requireRotationApproval: z.boolean().default(false),
});
export type TenantSettings = z.infer<typeof TenantSettings>;

// A write that a setting allows (new credentials without approval) must be ordered wholly before or
// after a change of that setting, never read under the old value and committed under the new. An
// advisory lock per tenant does it rather than a lock on the tenant row, which task numbering
// updates: a credential change holding the integration row and waiting for the tenant row crossed a
// task being opened for that integration, holding the tenant row and waiting for the integration.
const settingsLock = (tenantId: string) => sql`hashtextextended(${`tenant-settings:${tenantId}`}, 0)`;

/**
 * The tenant's settings. `hold` (inside a transaction, before it locks anything else) keeps a
 * change of them back until the transaction ends, and waits for one in progress.
 */
export async function tenantSettings(hub: Pick<HubContext, 'db'>, tenantId: string, { hold = false } = {}): Promise<TenantSettings> {
  if (hold) await sql`select pg_advisory_xact_lock_shared(${settingsLock(tenantId)})`.execute(hub.db);
  const row = await hub.db.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirstOrThrow();
  return TenantSettings.parse({ ...TenantSettings.parse({}), ...(row.settings as object) });
}

/**
 * Holds every other change of the tenant's settings (and requests and decisions about them) back
 * until the caller's transaction ends; taken again by the same transaction, it is already held.
 */
export async function lockTenantSettings(trx: Kysely<Database>, tenantId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${settingsLock(tenantId)})`.execute(trx);
}

/**
 * Changes settings inside the caller's transaction, once no write that read them is in flight; the
 * writes that read them next wait for the transaction to end. Two changes at once both count.
 */
export async function changeTenantSettings(trx: Kysely<Database>, tenantId: string, change: Partial<TenantSettings>): Promise<TenantSettings> {
  await lockTenantSettings(trx, tenantId);
  const next = { ...(await tenantSettings({ db: trx }, tenantId)), ...change };
  await trx.updateTable('tenants').set({ settings: JSON.stringify(next) }).where('id', '=', tenantId).execute();
  return next;
}

export async function updateTenantSettings(hub: Pick<HubContext, 'db'>, tenantId: string, change: Partial<TenantSettings>): Promise<TenantSettings> {
  return hub.db.transaction().execute((trx) => changeTenantSettings(trx, tenantId, change));
}
