import { ConflictError } from '../http/api-error.ts';
import type { HubContext } from '../server/hub-context.ts';
import { tenantSettings } from '../tenancy/tenant-settings.ts';

/**
 * New credentials for an existing integration outside the rotation flow, while the tenant requires
 * rotations to be approved: they would skip the connection check and the second admin.
 */
export class RotationApprovalRequiredError extends ConflictError {
  override name = 'RotationApprovalRequiredError';
  readonly integrationId: string;

  constructor(integrationId: string) {
    super(
      `this workspace requires a second admin to approve new credentials, so they cannot be replaced by an update: ` +
        `request a rotation with POST /api/integrations/${integrationId}/credentials/rotate`,
    );
    this.integrationId = integrationId;
  }
}

/**
 * Refuses to replace credentials where rotations need approval. Called first inside the write's
 * transaction, so the setting cannot be switched on between this check and the write's commit.
 */
export async function refuseUnapprovedReplacement(hub: Pick<HubContext, 'db'>, tenantId: string, integrationId: string): Promise<void> {
  if ((await tenantSettings(hub, tenantId, { hold: true })).requireRotationApproval) throw new RotationApprovalRequiredError(integrationId);
}
