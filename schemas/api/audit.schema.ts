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

export const AuditQuery = keysetPageQuery(
  { item: 'entry', items: 'entries', time: 'createdAt' },
  {
    action: z.string().min(1).optional(),
    // Every target the hub records (integration, task, route, event, api_token, user, …) has a UUID.
    targetId: z.uuid({ message: 'expected a UUID' }).optional().describe('entries about this integration, task, route, token, … (its `id`)'),
    targetType: z
      .string()
      .regex(/^[a-z][a-z_]{0,49}$/, { message: 'expected a target type such as integration, task or route' })
      .optional()
      .describe('entries about targets of this type: `integration`, `task`, `route`, `event`, `api_token`, `user`, `credential_rotation`, `tenant_setting_change`, `chat_link`, `tenant`'),
  },
);
export type AuditQuery = z.infer<typeof AuditQuery>;
