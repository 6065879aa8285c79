import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/database.types.ts';
import { recordAudit } from './audit.repository.ts';

export interface AuditedChange {
  action: string;
  targetType: string;
  targetId: string;
  detail?: Record<string, unknown>;
}

/** Records a change made through the API by `principal`, tied to the request that made it. */
export async function auditAs(db: Kysely<Database>, principal: Principal, requestId: string, change: AuditedChange): Promise<void> {
  await recordAudit(db, {
    tenantId: principal.tenantId,
    actorType: principal.actorType,
    actorId: principal.actorId,
    requestId,
    ...change,
  });
}
