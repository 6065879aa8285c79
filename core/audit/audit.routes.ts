import { defineRoute } from '../http/route.ts';
import { AuditList, AuditQuery } from '../../schemas/api/audit.schema.ts';
import type { AuditEntry } from '../../schemas/api/audit.schema.ts';
import { cursorOf } from '../db/keyset.ts';
import { listAudit, type ListedAuditEntry } from './audit.repository.ts';

function toAuditEntry(row: ListedAuditEntry): AuditEntry {
  return {
    id: row.id,
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    detail: row.detail,
    requestId: row.request_id,
    // Microseconds, as stored: the next page starts exactly after this entry.
    createdAt: row.created_at_iso,
  };
}

export const auditRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/audit',
    summary: 'The tenant audit log, newest first; `targetId` (and `targetType`) give one integration\'s, task\'s or route\'s history. Next page: `before` = the last entry\'s `createdAt`, `beforeId` = its `id`',
    tag: 'audit',
    access: 'admin',
    query: AuditQuery,
    responses: { 200: { description: 'entries', schema: AuditList } },
    async handler({ query }, { hub, principal }) {
      const rows = await listAudit(hub.db, principal.tenantId, {
        limit: query.limit,
        before: cursorOf(query),
        action: query.action,
        targetType: query.targetType,
        targetId: query.targetId,
      });
      return { status: 200, body: { entries: rows.map(toAuditEntry) } };
    },
  }),
];
