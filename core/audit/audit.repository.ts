import { sql, type Kysely, type Transaction } from 'kysely';
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

/**
 * Where a page of the log starts: entries strictly older than this position in the newest-first
 * order (created_at, then id). `createdAt` keeps PostgreSQL's microseconds, which a JavaScript
 * Date would cut to milliseconds; without `id`, entries sharing that instant (one transaction's
 * entries share it) are all left out.
 */
export interface AuditCursor {
  createdAt: string;
  id?: string | undefined;
}

export interface AuditQuery {
  limit: number;
  before?: AuditCursor | undefined;
  action?: string | undefined;
}

/** A listed entry, with its time at full precision as an ISO string (UTC). */
export type ListedAuditEntry = AuditLogRow & { created_at_iso: string };

export async function listAudit(db: Kysely<Database>, tenantId: string, query: AuditQuery): Promise<ListedAuditEntry[]> {
  let select = db
    .selectFrom('audit_log')
    .selectAll()
    .select(sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('created_at_iso'))
    .where('tenant_id', '=', tenantId);
  const before = query.before;
  if (before) {
    const at = sql`${before.createdAt}::timestamptz`;
    select = before.id
      ? select.where(sql<boolean>`(created_at, id) < (${at}, ${before.id}::uuid)`)
      : select.where(sql<boolean>`created_at < ${at}`);
  }
  if (query.action) select = select.where('action', '=', query.action);
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
