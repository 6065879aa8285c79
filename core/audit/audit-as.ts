import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/database.types.ts';
import { recordAudit, type AuditEntry } from './audit.repository.ts';

export interface AuditedChange {
  action: string;
  targetType: string;
  targetId: string;
  detail?: Record<string, unknown>;
}

/**
 * Who made a change, as the audit log names them: for a service that writes the entry itself, in
 * the same transaction as the change. `detail` is merged into the entry's own detail.
 */
export type AuditActor = Pick<AuditEntry, 'actorType' | 'actorId'> & { requestId?: string; detail?: Record<string, unknown> };

export function auditActorOf(principal: Principal, requestId: string): AuditActor {
  return { actorType: principal.actorType, actorId: principal.actorId, requestId };
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
