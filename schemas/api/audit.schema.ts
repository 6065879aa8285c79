import { z } from 'zod';
import { keysetPageQuery, Timestamp } from './common.schema.ts';

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

export const AuditQuery = keysetPageQuery({ item: 'entry', items: 'entries', time: 'createdAt' }, { action: z.string().min(1).optional() });
export type AuditQuery = z.infer<typeof AuditQuery>;
