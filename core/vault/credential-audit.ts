import type { HubContext } from '../server/hub-context.ts';
import type { CredentialAuditRow } from '../db/database.types.ts';

export interface CredentialAuditEntry {
  tenantId: string;
  integrationId: string;
  action: 'set' | 'replaced' | 'rotation_requested' | 'rotation_check_failed' | 'rotated' | 'rotation_approved' | 'rotation_rejected' | 'rotation_superseded' | 'previous_revoked' | 'cleared' | 'expiry_changed';
  actor: string;
  approver?: string | null;
  reason?: string | null;
  oldFingerprint?: string | null;
  newFingerprint?: string | null;
  expiresAt?: Date | string | null;
}

/** One row per step of a credential's life: who, approver, when, reason, fingerprints, expiry. */
export async function recordCredentialAudit(hub: Pick<HubContext, 'db'>, entry: CredentialAuditEntry): Promise<void> {
  await hub.db
    .insertInto('integration_credentials_audit')
    .values({
      tenant_id: entry.tenantId,
      integration_id: entry.integrationId,
      action: entry.action,
      actor: entry.actor,
      approver: entry.approver ?? null,
      reason: entry.reason ?? null,
      old_fingerprint: entry.oldFingerprint ?? null,
      new_fingerprint: entry.newFingerprint ?? null,
      expires_at: entry.expiresAt ?? null,
    })
    .execute();
}

export async function listCredentialAudit(hub: HubContext, tenantId: string, integrationId: string): Promise<CredentialAuditRow[]> {
  return hub.db
    .selectFrom('integration_credentials_audit')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('integration_id', '=', integrationId)
    .orderBy('created_at', 'desc')
    .execute();
}
