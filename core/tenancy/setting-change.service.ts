import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.repository.ts';
import type { Principal } from '../auth/principal.ts';
import type { Database, TenantSettingChangeRow } from '../db/database.types.ts';
import { ApiError, ConflictError, NotFoundError } from '../http/api-error.ts';
import type { HubContext } from '../server/hub-context.ts';
import { changeTenantSettings, lockTenantSettings, tenantSettings, type TenantSettings } from './tenant-settings.ts';

// Settings that are safeguards (segregation of duties): switching one on is immediate, switching it
// off waits for another person's approval, as a credential rotation does under it. Otherwise the
// admin the safeguard checks could switch it off and act alone. Times are the database's, as the
// audit log's are.

const SAFEGUARDS = ['requireRotationApproval'] as const satisfies ReadonlyArray<keyof TenantSettings>;
type Safeguard = (typeof SAFEGUARDS)[number];

const TARGET = 'tenant_setting_change';

export type SettingsChangeOutcome =
  | { status: 'applied'; settings: TenantSettings }
  | { status: 'pending_approval'; settings: TenantSettings; change: TenantSettingChangeRow };

/** The requester approving their own switch-off, through any token or sign-in of theirs. */
export class SecondAdminRequiredError extends ApiError {
  override name = 'SecondAdminRequiredError';

  constructor() {
    super(
      403,
      'second_admin_required',
      'switching off rotation approval (requireRotationApproval) needs the approval of another admin than the one who asked (tokens made by the requester, or for them, count as the requester). ' +
        "If you are this workspace's only admin, create a second admin (`hub user create --role admin`) to approve it, or keep approval on and cancel the request",
    );
  }
}

async function insertPending(trx: Kysely<Database>, principal: Principal, setting: Safeguard, requestId: string): Promise<TenantSettingChangeRow> {
  const row = await trx
    .insertInto('tenant_setting_changes')
    .values({ tenant_id: principal.tenantId, setting, value: JSON.stringify(false), status: 'pending_approval', requested_by: principal.label, requested_by_person: principal.person })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    tenantId: principal.tenantId, actorType: principal.actorType, actorId: principal.actorId, requestId,
    action: 'tenant.settings_change_requested', targetType: TARGET, targetId: row.id, detail: { setting, value: false },
  });
  return row;
}

async function pendingOf(trx: Kysely<Database>, tenantId: string, setting: Safeguard): Promise<TenantSettingChangeRow | undefined> {
  return trx.selectFrom('tenant_setting_changes').selectAll().where('tenant_id', '=', tenantId).where('setting', '=', setting).where('status', '=', 'pending_approval').executeTakeFirst();
}

/**
 * Applies a change of settings, except switching off a safeguard that is on: that becomes a pending
 * request (the one already pending, if another admin asked first), and nothing else of the change
 * waits for it. Under the settings lock, so requests asked at once make one.
 */
export async function requestSettingsChange(hub: HubContext, principal: Principal, change: Partial<TenantSettings>, requestId: string): Promise<SettingsChangeOutcome> {
  return hub.db.transaction().execute(async (trx) => {
    await lockTenantSettings(trx, principal.tenantId);
    const current = await tenantSettings({ db: trx }, principal.tenantId);
    const weakened = SAFEGUARDS.find((name) => change[name] === false && current[name]);
    const immediate: Partial<TenantSettings> = Object.fromEntries(Object.entries(change).filter(([name]) => name !== weakened));
    let settings = current;
    if (!weakened || Object.keys(immediate).length > 0) {
      settings = await changeTenantSettings(trx, principal.tenantId, immediate);
      await recordAudit(trx, {
        tenantId: principal.tenantId, actorType: principal.actorType, actorId: principal.actorId, requestId,
        action: 'tenant.settings_changed', targetType: 'tenant', targetId: principal.tenantId, detail: immediate,
      });
    }
    if (!weakened) return { status: 'applied', settings };
    const pending = (await pendingOf(trx, principal.tenantId, weakened)) ?? (await insertPending(trx, principal, weakened, requestId));
    return { status: 'pending_approval', settings, change: pending };
  });
}

async function lockedPending(trx: Kysely<Database>, tenantId: string, id: string): Promise<TenantSettingChangeRow> {
  await lockTenantSettings(trx, tenantId);
  const row = await trx.selectFrom('tenant_setting_changes').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('setting change');
  if (row.status !== 'pending_approval') throw new ConflictError(`this setting change is already ${row.status}`);
  return row;
}

/** Whether `principal` is the person who asked for the change (Principal.person). */
export function isSettingChangeRequester(change: TenantSettingChangeRow, principal: Principal): boolean {
  return change.requested_by_person === principal.person;
}

/** Another admin applies a pending switch-off; the requester cannot. */
export async function approveSettingChange(hub: HubContext, principal: Principal, id: string, requestId: string): Promise<TenantSettingChangeRow> {
  return hub.db.transaction().execute(async (trx) => {
    const pending = await lockedPending(trx, principal.tenantId, id);
    if (isSettingChangeRequester(pending, principal)) throw new SecondAdminRequiredError();
    const decided = await trx
      .updateTable('tenant_setting_changes')
      .set({ status: 'applied', decided_by: principal.label, decided_at: sql<Date>`now()` })
      .where('id', '=', pending.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const applied: Partial<TenantSettings> = { [z.enum(SAFEGUARDS).parse(pending.setting)]: z.boolean().parse(pending.value) };
    await changeTenantSettings(trx, principal.tenantId, applied);
    const actor = { tenantId: principal.tenantId, actorType: principal.actorType, actorId: principal.actorId, requestId };
    await recordAudit(trx, { ...actor, action: 'tenant.settings_change_approved', targetType: TARGET, targetId: pending.id, detail: { setting: pending.setting, value: pending.value, requestedBy: pending.requested_by } });
    await recordAudit(trx, { ...actor, action: 'tenant.settings_changed', targetType: 'tenant', targetId: principal.tenantId, detail: { ...applied, settingChangeId: pending.id } });
    return decided;
  });
}

/** The requester withdraws a pending switch-off, or another admin refuses it; the setting stays. */
export async function cancelSettingChange(hub: HubContext, principal: Principal, id: string, requestId: string): Promise<TenantSettingChangeRow> {
  return hub.db.transaction().execute(async (trx) => {
    const pending = await lockedPending(trx, principal.tenantId, id);
    const decided = await trx
      .updateTable('tenant_setting_changes')
      .set({ status: 'cancelled', decided_by: principal.label, decided_at: sql<Date>`now()` })
      .where('id', '=', pending.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      tenantId: principal.tenantId, actorType: principal.actorType, actorId: principal.actorId, requestId,
      action: 'tenant.settings_change_cancelled', targetType: TARGET, targetId: pending.id,
      detail: { setting: pending.setting, value: pending.value, requestedBy: pending.requested_by, byRequester: isSettingChangeRequester(pending, principal) },
    });
    return decided;
  });
}

/** The tenant's setting changes, newest first (the last 100: they are rare, and the audit log keeps all). */
export async function listSettingChanges(hub: Pick<HubContext, 'db'>, tenantId: string, { pendingOnly = false } = {}): Promise<TenantSettingChangeRow[]> {
  let select = hub.db.selectFrom('tenant_setting_changes').selectAll().where('tenant_id', '=', tenantId);
  if (pendingOnly) select = select.where('status', '=', 'pending_approval');
  return select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(100).execute();
}
