import type { Kysely, Transaction } from 'kysely';
import type { AuditLogRow, Database } from '../db/database.types.ts';
import { isoMicros, olderThan, type KeysetCursor } from '../db/keyset.ts';

export interface AuditEntry {
  tenantId: string;
  actorType: AuditLogRow['actor_type'];
  actorId: string;
  action: string;
  targetType?: string;
  targetId?: string;
  detail?: Record<string, unknown>;
  requestId?: string;
}

export async function recordAudit(db: Kysely<Database> | Transaction<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      tenant_id: entry.tenantId,
      actor_type: entry.actorType,
      actor_id: entry.actorId,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
      request_id: entry.requestId ?? null,
    })
    .execute();
}

export interface AuditQuery {
  limit: number;
  /** Where the page starts in the newest-first order (created_at, then id); see core/db/keyset.ts. */
  before?: KeysetCursor | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
}

/** A listed entry, with its time at full precision as an ISO string (UTC). */
export type ListedAuditEntry = AuditLogRow & { created_at_iso: string };

export async function listAudit(db: Kysely<Database>, tenantId: string, query: AuditQuery): Promise<ListedAuditEntry[]> {
  let select = db.selectFrom('audit_log').selectAll().select(isoMicros('created_at').as('created_at_iso')).where('tenant_id', '=', tenantId);
  if (query.before) select = select.where(olderThan('created_at', query.before));
  if (query.action) select = select.where('action', '=', query.action);
  if (query.targetType) select = select.where('target_type', '=', query.targetType);
  if (query.targetId) select = select.where('target_id', '=', query.targetId);
  return select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
}

/** Who did `action` to a target, by the stable ids the audit log keeps (not display names). */
export async function findAuditActor(
  db: Kysely<Database> | Transaction<Database>,
  tenantId: string,
  entry: { action: string; targetType: string; targetId: string },
): Promise<Pick<AuditLogRow, 'actor_type' | 'actor_id'> | undefined> {
  return db
    .selectFrom('audit_log')
    .select(['actor_type', 'actor_id'])
    .where('tenant_id', '=', tenantId)
    .where('target_type', '=', entry.targetType)
    .where('target_id', '=', entry.targetId)
    .where('action', '=', entry.action)
    .orderBy('created_at')
    .executeTakeFirst();
}
