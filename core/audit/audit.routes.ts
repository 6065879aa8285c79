import { z } from 'zod';
import { defineRoute } from '../http/route.ts';
import { AuditList, AuditQuery } from '../../schemas/api/audit.schema.ts';
import type { AuditEntry } from '../../schemas/api/audit.schema.ts';
import { listAudit, type ListedAuditEntry } from './audit.repository.ts';

// `beforeId` belongs beside `before` in AuditQuery (schemas/api/audit.schema.ts); it is declared
// here until that file is free to change, and should move there unchanged.
const AuditPageQuery = AuditQuery.extend({
  beforeId: z
    .uuid({ message: 'expected a UUID' })
    .optional()
    .describe('with `before`: the `id` of the last entry of the previous page, so entries of the same instant are not skipped'),
}).refine((query) => !query.beforeId || query.before, { path: ['beforeId'], message: 'needs `before`, the `createdAt` of the same entry' });

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
    summary: 'The tenant audit log, newest first. Next page: `before` = the last entry\'s `createdAt`, `beforeId` = its `id`',
    tag: 'audit',
    access: 'admin',
    query: AuditPageQuery,
    responses: { 200: { description: 'entries', schema: AuditList } },
    async handler({ query }, { hub, principal }) {
      const rows = await listAudit(hub.db, principal.tenantId, {
        limit: query.limit,
        before: query.before ? { createdAt: query.before, id: query.beforeId } : undefined,
        action: query.action,
      });
      return { status: 200, body: { entries: rows.map(toAuditEntry) } };
    },
  }),
];
