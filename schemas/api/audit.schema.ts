import { z } from 'zod';
import { PageQuery, Timestamp } from './common.schema.ts';

export const AuditEntry = z.object({
  id: z.uuid(),
  actorType: z.string(),
  actorId: z.string(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  createdAt: Timestamp,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditList = z.object({ entries: z.array(AuditEntry) });
export type AuditList = z.infer<typeof AuditList>;

export const AuditQuery = PageQuery.extend({
  before: Timestamp.optional().describe('entries older than this, for paging'),
  beforeId: z
    .uuid({ message: 'expected a UUID' })
    .optional()
    .describe('with `before`: the `id` of the last entry of the previous page, so entries of the same instant are not skipped'),
  action: z.string().min(1).optional(),
}).refine((query) => !query.beforeId || query.before, { path: ['beforeId'], message: 'needs `before`, the `createdAt` of the same entry' });
export type AuditQuery = z.infer<typeof AuditQuery>;
