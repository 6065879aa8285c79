import type { CredentialAuditRow, CredentialRotationRow } from '../db/database.types.ts';
import { ApiError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { requireIntegration } from '../integrations/integration.service.ts';
import { auditAs } from '../audit/audit-as.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import {
  CredentialAuditList,
  CredentialRotation,
  RotateCredentialsRequest,
  RotationList,
  RotationParams,
  RotationResponse,
} from '../../schemas/api/credential.schema.ts';
import { revokePreviousCredentials } from './previous-credentials.revoke.ts';
import { approveRotation, listCredentialAudit, listRotations, rejectRotation, requestRotation } from './credential-rotation.service.ts';

function toRotation(row: CredentialRotationRow) {
  return {
    id: row.id,
    status: row.status,
    requestedBy: row.requested_by,
    reason: row.reason,
    newFingerprint: row.new_fingerprint,
    expiresAt: row.expires_at?.toISOString() ?? null,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

function toAuditEntry(row: CredentialAuditRow) {
  return {
    id: row.id,
    action: row.action,
    actor: row.actor,
    approver: row.approver,
    reason: row.reason,
    oldFingerprint: row.old_fingerprint,
    newFingerprint: row.new_fingerprint,
    expiresAt: row.expires_at?.toISOString() ?? null,
    at: row.created_at.toISOString(),
  };
}

const errors = { 404: { description: 'not found', schema: ErrorResponse }, 409: { description: 'already decided, or the credentials were replaced while the rotation was checked', schema: ErrorResponse } };

export const credentialRoutes = [
  defineRoute({
    method: 'post', path: '/api/integrations/:id/credentials/rotate',
    summary: "Rotate credentials: the connector's check runs with the new secret first; then the swap, or a pending rotation when the tenant requires approval",
    tag: 'credentials', access: 'admin', resource: 'integration', params: IdParams, body: RotateCredentialsRequest,
    example: { credentials: { auth: { type: 'basic', username: 'svc-grc', password: 'new-secret' } }, reason: 'quarterly rotation' },
    responses: {
      200: { description: 'applied', schema: RotationResponse },
      202: { description: 'waiting for a second admin', schema: RotationResponse },
      422: { description: 'the check failed with the new secret; nothing changed (error carries the failure code and runbook)', schema: ErrorResponse },
      ...errors,
    },
    async handler({ params, body }, { hub, principal, requestId }) {
      const outcome = await requestRotation(hub, principal, params.id, body, requestId);
      await auditAs(hub.db, principal, requestId, { action: `credentials.${outcome.status}`, targetType: 'integration', targetId: params.id, detail: { reason: body.reason ?? null } });
      if (outcome.status === 'check_failed' || !outcome.rotation) {
        const error = outcome.check.error;
        throw new ApiError(422, error?.code ?? 'config_invalid', `the new credentials failed the connection check: ${error?.message ?? 'unknown'}`, error ? { runbook: error.runbook } : {});
      }
      return { status: outcome.status === 'applied' ? 200 : 202, body: { status: outcome.status, rotation: toRotation(outcome.rotation), check: outcome.check } };
    },
  }),
  defineRoute({
    method: 'get', path: '/api/integrations/:id/credentials/rotations', summary: 'Credential rotations, newest first', tag: 'credentials',
    access: 'admin', resource: 'integration', params: IdParams, responses: { 200: { description: 'rotations', schema: RotationList }, ...errors },
    async handler({ params }, { hub, principal }) {
      await requireIntegration(hub, principal.tenantId, params.id);
      return { status: 200, body: { rotations: (await listRotations(hub, principal.tenantId, params.id)).map(toRotation) } };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/integrations/:id/credentials/rotations/:rid/approve', summary: 'Approve and apply a pending rotation (not your own)', tag: 'credentials',
    access: 'admin', resource: 'integration', params: RotationParams, responses: { 200: { description: 'applied', schema: CredentialRotation }, ...errors },
    async handler({ params }, { hub, principal, requestId }) {
      const row = await approveRotation(hub, principal, params.id, params.rid, requestId);
      await auditAs(hub.db, principal, requestId, { action: 'credentials.rotation_approved', targetType: 'integration', targetId: params.id, detail: { rotationId: row.id } });
      return { status: 200, body: toRotation(row) };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/integrations/:id/credentials/rotations/:rid/reject', summary: 'Reject a pending rotation; its secret is discarded', tag: 'credentials',
    access: 'admin', resource: 'integration', params: RotationParams, responses: { 200: { description: 'rejected', schema: CredentialRotation }, ...errors },
    async handler({ params }, { hub, principal, requestId }) {
      const row = await rejectRotation(hub, principal, params.id, params.rid, requestId);
      await auditAs(hub.db, principal, requestId, { action: 'credentials.rotation_rejected', targetType: 'integration', targetId: params.id, detail: { rotationId: row.id } });
      return { status: 200, body: toRotation(row) };
    },
  }),
  defineRoute({
    method: 'delete', path: '/api/integrations/:id/credentials/previous',
    summary: 'Stop accepting webhooks signed with the secret the last credential change replaced, before HUB_WEBHOOK_SECRET_GRACE_SECONDS ends (the sender has switched, or the old secret may have leaked)',
    tag: 'credentials', access: 'admin', resource: 'integration', params: IdParams,
    responses: { 204: { description: 'only the current credentials verify webhooks now' }, 404: errors[404] },
    async handler({ params }, { hub, principal, requestId }) {
      await revokePreviousCredentials(hub, principal, params.id, requestId);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'get', path: '/api/integrations/:id/credentials/audit', summary: 'Every credential step: who, approver, when, reason, fingerprints, expiry; kept after the integration is deleted', tag: 'credentials',
    access: 'operator', resource: 'integration', params: IdParams, responses: { 200: { description: 'audit', schema: CredentialAuditList }, ...errors },
    async handler({ params }, { hub, principal }) {
      // Evidence outlives the integration: a deleted one's id still answers while it has entries.
      const entries = await listCredentialAudit(hub, principal.tenantId, params.id);
      if (entries.length === 0) await requireIntegration(hub, principal.tenantId, params.id);
      return { status: 200, body: { entries: entries.map(toAuditEntry) } };
    },
  }),
];
