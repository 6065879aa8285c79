import { findAuditActor, recordAudit } from '../audit/audit.repository.ts';
import { userPerson, type Principal } from '../auth/principal.ts';
import { findTokenPerson } from '../auth/api-token.repository.ts';
import type { Transaction } from 'kysely';
import type { CredentialRotationRow, Database, IntegrationConfigRow } from '../db/database.types.ts';
import { onForeignKeyViolation } from '../db/postgres-errors.ts';
import { ApiError, ForbiddenError, NotFoundError } from '../http/api-error.ts';
import { integrationChanged } from '../integrations/integration-changed.ts';
import { credentialsBeingReplaced, sameCredentials, sealCredentials } from '../integrations/integration-credentials.ts';
import { keepPreviousCredentials } from '../integrations/previous-credentials.ts';
import { requireIntegration } from '../integrations/integration.service.ts';
import { requireConnector, validateAgainstConnector } from '../integrations/integration.validation.ts';
import { upstreamMove } from '../integrations/upstream-move.ts';
import { checkIntegration } from '../runs/check.service.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { CheckResponse } from '../../schemas/api/integration.schema.ts';
import { recordCredentialAudit } from './credential-audit.ts';
import { secretFingerprint } from './fingerprint.ts';
import { withKeptCredentialFields } from './kept-credentials.ts';
import { seal, unseal } from './secret-box.ts';
import { resolveCredentialTasks } from './credential-tasks.ts';
import { tenantSettings } from '../tenancy/tenant-settings.ts';
import { DISCARDED_SECRETS, supersedePendingRotations } from './rotation-supersede.ts';
import type { OAuthToken } from '../../connectors/sdk/credentials.ts';
import { oauthTokenBinding, openOAuthToken, sealOAuthToken } from '../integrations/oauth-token.store.ts';
import { createInMemoryTokenStore } from '../../connectors/sdk/in-memory-token-store.ts';

export interface RotationRequest {
  credentials: unknown;
  reason?: string | undefined;
  expiresAt?: string | undefined;
}

export interface RotationOutcome {
  status: 'applied' | 'pending_approval' | 'check_failed';
  rotation: CredentialRotationRow | undefined;
  check: CheckResponse;
}

const binding = (tenantId: string, rotationId: string) => ({ tenantId, owner: `rotation:${rotationId}:credentials` });

const tokenBinding = (tenantId: string, rotationId: string) => ({ tenantId, owner: `rotation:${rotationId}:oauth-token` });

function storedTokenColumns(hub: HubContext, integration: IntegrationConfigRow, token: OAuthToken | undefined) {
  if (!token) return { oauth_token_ciphertext: null, oauth_token_key_version: null };
  const sealed = sealOAuthToken(hub.masterKeys, token, oauthTokenBinding(integration.tenant_id, integration.id));
  return { oauth_token_ciphertext: sealed.ciphertext, oauth_token_key_version: sealed.keyVersion };
}

/** The audit entry that names who requested a pending rotation. */
const ROTATION_REQUESTED = 'credentials.rotation_requested';

/**
 * Swaps the stored credentials for checked new ones, inside the caller's transaction: the rotation's
 * own row and audit entry commit with the swap or not at all. The tasks the old ones caused (expiry
 * reminder whatever the new date, auth failures) are resolved once that has committed.
 */
async function applyCredentials(
  hub: HubContext,
  trx: Transaction<Database>,
  integration: IntegrationConfigRow,
  credentials: unknown,
  expiresAt: Date | string | null,
  appliedBy: string,
  obtainedToken: OAuthToken | undefined,
): Promise<{ oldFingerprint: string | null; newFingerprint: string }> {
  const previous = credentialsBeingReplaced(hub, integration);
  const oldFingerprint = previous === undefined ? null : await secretFingerprint(hub, integration.tenant_id, previous, trx);
  const newFingerprint = await secretFingerprint(hub, integration.tenant_id, credentials, trx);
  await trx
    .updateTable('integration_configs')
    .set({
      ...sealCredentials(hub, integration.tenant_id, integration.id, credentials),
      // Deliveries the sender still signs with the old secret verify until it has the new one.
      ...keepPreviousCredentials(hub, integration, requireConnector(hub.connectors, integration.connector), previous, credentials),
      // Tokens obtained with the old secret must not outlive it; the one the check obtained with the
      // new secret is kept (it may hold the refresh token that replaced the one the check spent).
      ...storedTokenColumns(hub, integration, obtainedToken),
      // A new secret starts the reminders over even when its expiry date is the old one's.
      credentials_expires_at: expiresAt,
      credentials_expiry_step: null,
      updated_at: hub.clock(),
    })
    .where('id', '=', integration.id)
    .execute();
  await supersedePendingRotations(hub, trx, integration, appliedBy);
  return { oldFingerprint, newFingerprint };
}

/**
 * The integration's row, locked until the transaction ends, and read afresh: a credential change
 * compares against what is stored now, not what was read before a concurrent one committed. Locked
 * before its rotations, in the order a deletion (which cascades to them) locks them. 404 once deleted.
 */
async function lockIntegration(trx: Transaction<Database>, tenantId: string, integrationId: string): Promise<IntegrationConfigRow> {
  // FOR NO KEY UPDATE, the lock the UPDATE takes anyway: FOR UPDATE would also hold back every insert
  // that refers to the integration (runs, webhook events) until the rotation commits.
  const row = await trx.selectFrom('integration_configs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', integrationId).forNoKeyUpdate().executeTakeFirst();
  if (!row) throw new NotFoundError('integration');
  return row;
}

/**
 * A rotation is made against the credentials it read: the optional fields it leaves out keep their
 * values from those (kept-credentials.ts). Other new credentials applied while it was checked would
 * be undone by it, a webhook secret just changed put back; such a rotation is refused, as pending
 * ones are superseded. (`hub keys rotate` re-encrypting the same secret is no change.)
 */
function refuseIfReplacedMeanwhile(hub: HubContext, read: IntegrationConfigRow, locked: IntegrationConfigRow): void {
  if (!sameCredentials(hub, read, locked)) {
    throw new ApiError(409, 'conflict', 'the credentials were replaced by someone else while the new ones were being checked; nothing was changed: request the rotation again if it is still wanted');
  }
  // Checked against one host, the new credentials must not go to the one it was moved to meanwhile.
  const move = upstreamMove(requireConnector(hub.connectors, locked.connector), read.config, locked.config);
  if (move) {
    throw new ApiError(409, 'conflict', `the integration was moved to another host (${move.to} instead of ${move.from}) while the new credentials were being checked against the old one; nothing was changed: request the rotation again for the new host`);
  }
}

/** The integration was deleted while its rotation was under way (its check and audit rows refer to it). */
const integrationGone = () => new NotFoundError('integration');

/**
 * Rotation: the connector's check runs with the new secret first (on failure nothing changes);
 * then the swap, at once or — when the tenant requires it — after a second admin approves.
 */
export async function requestRotation(hub: HubContext, principal: Principal, integrationId: string, request: RotationRequest, requestId: string): Promise<RotationOutcome> {
  const integration = await requireIntegration(hub, principal.tenantId, integrationId);
  const connector = requireConnector(hub.connectors, integration.connector);
  const stored = credentialsBeingReplaced(hub, integration);
  const submitted = withKeptCredentialFields(connector, request.credentials, stored);
  const { credentials } = validateAgainstConnector(connector, { credentials: submitted });
  // A failed check or a rotation waiting for approval leaves the stored secret in use: its entry names it.
  const oldFingerprint = stored === undefined ? null : await secretFingerprint(hub, integration.tenant_id, stored, hub.db);
  const newFingerprint = await secretFingerprint(hub, integration.tenant_id, credentials, hub.db);
  const audit = { tenantId: integration.tenant_id, integrationId, actor: principal.label, reason: request.reason ?? null, oldFingerprint, newFingerprint, expiresAt: request.expiresAt ?? null };

  // The check's tokens stay apart from those of the credentials in use, and are kept for the new
  // ones: a provider that rotates refresh tokens has revoked the one the check spent.
  const trialTokens = createInMemoryTokenStore();
  const check = await checkIntegration(hub, integration, principal.label, { credentials, tokenStore: trialTokens });
  const obtainedToken = await trialTokens.load();
  if (!check.ok) {
    await onForeignKeyViolation(recordCredentialAudit(hub, { ...audit, action: 'rotation_check_failed' }), integrationGone);
    return { status: 'check_failed', rotation: undefined, check };
  }

  if ((await tenantSettings(hub, principal.tenantId)).requireRotationApproval) {
    const rotation = await hub.db.transaction().execute(async (trx) => {
      refuseIfReplacedMeanwhile(hub, integration, await lockIntegration(trx, integration.tenant_id, integrationId));
      const row = await trx
        .insertInto('credential_rotations')
        .values({ tenant_id: integration.tenant_id, integration_id: integrationId, status: 'pending_approval', requested_by: principal.label, requested_by_person: principal.person, reason: request.reason ?? null, new_fingerprint: newFingerprint, expires_at: request.expiresAt ?? null })
        .returningAll()
        .executeTakeFirstOrThrow();
      const sealed = seal(hub.masterKeys, JSON.stringify(credentials), binding(row.tenant_id, row.id));
      const sealedToken = obtainedToken ? sealOAuthToken(hub.masterKeys, obtainedToken, tokenBinding(row.tenant_id, row.id)) : undefined;
      // The requester by token or user id, committed with the rotation: approval compares these,
      // since `requested_by` is a display name that another token or user may share.
      await recordAudit(trx, {
        tenantId: row.tenant_id, actorType: principal.actorType, actorId: principal.actorId, requestId,
        action: ROTATION_REQUESTED, targetType: 'credential_rotation', targetId: row.id, detail: { integrationId },
      });
      return trx
        .updateTable('credential_rotations')
        .set({
          credentials_ciphertext: sealed.ciphertext,
          credentials_key_version: sealed.keyVersion,
          ...(sealedToken ? { oauth_token_ciphertext: sealedToken.ciphertext, oauth_token_key_version: sealedToken.keyVersion } : {}),
        })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    await onForeignKeyViolation(recordCredentialAudit(hub, { ...audit, action: 'rotation_requested' }), integrationGone);
    return { status: 'pending_approval', rotation, check };
  }

  const rotation = await hub.db.transaction().execute(async (trx) => {
    // Checked again, held until commit: approval switched on meanwhile must not be skipped.
    if ((await tenantSettings({ db: trx }, principal.tenantId, { hold: true })).requireRotationApproval) {
      throw new ApiError(409, 'conflict', 'this workspace began to require a second admin\'s approval while the new credentials were being checked; request the rotation again');
    }
    const current = await lockIntegration(trx, integration.tenant_id, integrationId);
    refuseIfReplacedMeanwhile(hub, integration, current);
    const { oldFingerprint } = await applyCredentials(hub, trx, current, credentials, request.expiresAt ?? null, principal.label, obtainedToken);
    await recordCredentialAudit({ db: trx }, { ...audit, action: 'rotated', oldFingerprint });
    return trx
      .insertInto('credential_rotations')
      .values({ tenant_id: integration.tenant_id, integration_id: integrationId, status: 'applied', requested_by: principal.label, reason: request.reason ?? null, new_fingerprint: newFingerprint, expires_at: request.expiresAt ?? null, decided_by: principal.label, decided_at: hub.clock() })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  integrationChanged(hub, integrationId);
  await resolveCredentialTasks(hub, integrationId);
  return { status: 'applied', rotation, check };
}

async function pendingRotation(hub: HubContext, principal: Principal, integrationId: string, rotationId: string): Promise<CredentialRotationRow> {
  const rotation = await hub.db
    .selectFrom('credential_rotations')
    .selectAll()
    .where('tenant_id', '=', principal.tenantId)
    .where('integration_id', '=', integrationId)
    .where('id', '=', rotationId)
    .executeTakeFirst();
  if (!rotation) throw new NotFoundError('rotation');
  if (rotation.status === 'superseded') {
    throw new ApiError(409, 'conflict', 'this rotation is superseded: other new credentials were applied after it was requested; request it again if it is still wanted');
  }
  if (rotation.status !== 'pending_approval') throw new ApiError(409, 'conflict', `this rotation is ${rotation.status}`);
  return rotation;
}

/**
 * Whether `principal` is the person who requested the rotation: the same user, a token made for
 * that user, or a token of the same line (see Principal.person). A rotation requested before persons
 * were recorded (pending across the upgrade) knows its requesting token or user by id, from the
 * audit log: its person is looked up from that; before ids were recorded, the display name decides.
 */
export async function isRequester(hub: Pick<HubContext, 'db'>, rotation: CredentialRotationRow, principal: Principal): Promise<boolean> {
  if (rotation.requested_by_person !== null) return rotation.requested_by_person === principal.person;
  const requester = await findAuditActor(hub.db, rotation.tenant_id, { action: ROTATION_REQUESTED, targetType: 'credential_rotation', targetId: rotation.id });
  if (!requester) return rotation.requested_by === principal.label;
  if (requester.actor_type === principal.actorType && requester.actor_id === principal.actorId) return true;
  const person = requester.actor_type === 'user' ? userPerson(requester.actor_id) : await findTokenPerson(hub.db, requester.actor_id);
  return person === principal.person;
}

/** A second admin applies a pending rotation; the requester cannot approve their own. */
export async function approveRotation(hub: HubContext, principal: Principal, integrationId: string, rotationId: string, _requestId: string): Promise<CredentialRotationRow> {
  const integration = await requireIntegration(hub, principal.tenantId, integrationId);
  const rotation = await pendingRotation(hub, principal, integrationId, rotationId);
  if (await isRequester(hub, rotation, principal)) throw new ForbiddenError('a rotation needs the approval of another admin than the one who requested it (tokens made by the requester, or for them, count as the requester)');
  const credentials = JSON.parse(
    unseal(hub.masterKeys, { ciphertext: rotation.credentials_ciphertext ?? '', keyVersion: rotation.credentials_key_version ?? 0 }, binding(rotation.tenant_id, rotation.id)),
  ) as unknown;
  const obtainedToken = rotation.oauth_token_ciphertext && rotation.oauth_token_key_version !== null
    ? openOAuthToken(hub.masterKeys, { ciphertext: rotation.oauth_token_ciphertext, keyVersion: rotation.oauth_token_key_version }, tokenBinding(rotation.tenant_id, rotation.id))
    : undefined;
  // The decision, the swap and its audit entry commit together: a failure between them leaves the
  // rotation pending with its secret, to be approved again, instead of "applied" with nothing applied.
  const decided = await hub.db.transaction().execute(async (trx) => {
    const current = await lockIntegration(trx, integration.tenant_id, integrationId);
    const row = await trx
      .updateTable('credential_rotations')
      .set({ status: 'applied', decided_by: principal.label, decided_at: hub.clock(), ...DISCARDED_SECRETS })
      .where('id', '=', rotation.id)
      .where('status', '=', 'pending_approval')
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ApiError(409, 'conflict', 'this rotation was decided meanwhile');
    const { oldFingerprint } = await applyCredentials(hub, trx, current, credentials, rotation.expires_at, principal.label, obtainedToken);
    await recordCredentialAudit({ db: trx }, {
      tenantId: rotation.tenant_id, integrationId, action: 'rotation_approved', actor: rotation.requested_by, approver: principal.label,
      reason: rotation.reason, oldFingerprint, newFingerprint: rotation.new_fingerprint, expiresAt: rotation.expires_at,
    });
    return row;
  });
  integrationChanged(hub, integrationId);
  await resolveCredentialTasks(hub, integrationId);
  return decided;
}

export async function rejectRotation(hub: HubContext, principal: Principal, integrationId: string, rotationId: string, _requestId: string): Promise<CredentialRotationRow> {
  await requireIntegration(hub, principal.tenantId, integrationId);
  const rotation = await pendingRotation(hub, principal, integrationId, rotationId);
  const decided = await hub.db
    .updateTable('credential_rotations')
    .set({ status: 'rejected', decided_by: principal.label, decided_at: hub.clock(), ...DISCARDED_SECRETS })
    .where('id', '=', rotation.id)
    .where('status', '=', 'pending_approval')
    .returningAll()
    .executeTakeFirst();
  if (!decided) throw new ApiError(409, 'conflict', 'this rotation was decided meanwhile');
  await onForeignKeyViolation(recordCredentialAudit(hub, {
    tenantId: rotation.tenant_id, integrationId, action: 'rotation_rejected', actor: rotation.requested_by, approver: principal.label,
    reason: rotation.reason, newFingerprint: rotation.new_fingerprint, expiresAt: rotation.expires_at,
  }), integrationGone);
  return decided;
}

export async function listRotations(hub: HubContext, tenantId: string, integrationId: string): Promise<CredentialRotationRow[]> {
  return hub.db
    .selectFrom('credential_rotations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('integration_id', '=', integrationId)
    .orderBy('created_at', 'desc')
    .execute();
}

export { listCredentialAudit } from './credential-audit.ts';
