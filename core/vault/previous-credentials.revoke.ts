import { auditAs } from '../audit/audit-as.ts';
import type { Principal } from '../auth/principal.ts';
import { NotFoundError } from '../http/api-error.ts';
import { NO_PREVIOUS_CREDENTIALS } from '../integrations/previous-credentials.ts';
import { integrationChanged } from '../integrations/integration-changed.ts';
import type { HubContext } from '../server/hub-context.ts';
import { recordCredentialAudit } from './credential-audit.ts';

/**
 * Stops the credentials the last change replaced from verifying webhooks, before their window ends:
 * once the sender signs with the new secret, or at once when the old one may have leaked. Recorded
 * in the credential audit and the audit log, with the change, when there was something to stop;
 * false when there was not.
 */
export async function revokePreviousCredentials(hub: HubContext, principal: Principal, integrationId: string, requestId: string): Promise<boolean> {
  const revoked = await hub.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('integration_configs').select(['id', 'previous_credentials_ciphertext']).where('tenant_id', '=', principal.tenantId).where('id', '=', integrationId).forNoKeyUpdate().executeTakeFirst();
    if (!row) throw new NotFoundError('integration');
    if (row.previous_credentials_ciphertext === null) return false;
    await trx.updateTable('integration_configs').set(NO_PREVIOUS_CREDENTIALS).where('id', '=', integrationId).execute();
    await recordCredentialAudit({ db: trx }, { tenantId: principal.tenantId, integrationId, action: 'previous_revoked', actor: principal.label });
    await auditAs(trx, principal, requestId, { action: 'credentials.previous_revoked', targetType: 'integration', targetId: integrationId });
    return true;
  });
  if (revoked) integrationChanged(hub, integrationId);
  return revoked;
}
