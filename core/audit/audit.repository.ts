import type { Kysely, Transaction } from 'kysely';
import type { AuditLogRow, Database } from '../db/database.types.ts';

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
  before?: Date | undefined;
  action?: string | undefined;
}

export async function listAudit(db: Kysely<Database>, tenantId: string, query: AuditQuery): Promise<AuditLogRow[]> {
  let select = db.selectFrom('audit_log').selectAll().where('tenant_id', '=', tenantId);
  if (query.before) select = select.where('created_at', '<', query.before);
  if (query.action) select = select.where('action', '=', query.action);
  return select.orderBy('created_at', 'desc').limit(query.limit).execute();
}
