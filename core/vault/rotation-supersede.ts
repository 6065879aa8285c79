import type { Kysely } from 'kysely';
import type { Database, IntegrationConfigRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { recordCredentialAudit } from './credential-audit.ts';

/** What a decided rotation no longer keeps: its sealed secret, and the token its check obtained. */
export const DISCARDED_SECRETS = { credentials_ciphertext: null, credentials_key_version: null, oauth_token_ciphertext: null, oauth_token_key_version: null } as const;

/**
 * Closes the integration's pending rotations once other new credentials are in place, inside the
 * transaction that put them there. Each was requested against the credentials just replaced:
 * approving one afterwards would put back a secret older than the one now stored. Their sealed
 * secrets go, and each gets a `rotation_superseded` entry in the credential audit.
 */
export async function supersedePendingRotations(
  hub: Pick<HubContext, 'clock'>,
  trx: Kysely<Database>,
  integration: Pick<IntegrationConfigRow, 'tenant_id' | 'id'>,
  by: string,
): Promise<void> {
  const superseded = await trx
    .updateTable('credential_rotations')
    .set({ status: 'superseded', decided_by: by, decided_at: hub.clock(), ...DISCARDED_SECRETS })
    .where('tenant_id', '=', integration.tenant_id)
    .where('integration_id', '=', integration.id)
    .where('status', '=', 'pending_approval')
    .returningAll()
    .execute();
  for (const rotation of superseded) {
    await recordCredentialAudit({ db: trx }, {
      tenantId: rotation.tenant_id, integrationId: rotation.integration_id, action: 'rotation_superseded', actor: rotation.requested_by,
      approver: by, reason: rotation.reason, newFingerprint: rotation.new_fingerprint, expiresAt: rotation.expires_at,
    });
  }
}
