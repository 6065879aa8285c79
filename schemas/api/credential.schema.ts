import { z } from 'zod';
import { CheckResponse } from './integration.schema.ts';
import { Timestamp } from './common.schema.ts';

export const RotateCredentialsRequest = z.strictObject({
  credentials: z.record(z.string(), z.unknown()),
  reason: z.string().trim().min(1).max(500).optional(),
  expiresAt: Timestamp.optional().describe('when the new secret expires; reminders go out 14, 7 and 1 days ahead'),
});
export type RotateCredentialsRequest = z.infer<typeof RotateCredentialsRequest>;

export const CredentialRotation = z.object({
  id: z.uuid(),
  status: z.enum(['pending_approval', 'applied', 'rejected', 'superseded']),
  requestedBy: z.string(),
  reason: z.string().nullable(),
  newFingerprint: z.string(),
  expiresAt: Timestamp.nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: Timestamp.nullable(),
  createdAt: Timestamp,
});
export type CredentialRotation = z.infer<typeof CredentialRotation>;

export const RotationResponse = z.object({
  status: z.enum(['applied', 'pending_approval']),
  rotation: CredentialRotation,
  check: CheckResponse,
});

export const RotationList = z.object({ rotations: z.array(CredentialRotation) });

export const CredentialAuditEntry = z.object({
  id: z.uuid(),
  action: z.string(),
  actor: z.string(),
  approver: z.string().nullable(),
  reason: z.string().nullable(),
  oldFingerprint: z.string().nullable(),
  newFingerprint: z.string().nullable(),
  expiresAt: Timestamp.nullable(),
  at: Timestamp,
});
export const CredentialAuditList = z.object({ entries: z.array(CredentialAuditEntry) });

export const RotationParams = z.object({ id: z.uuid({ message: 'expected a UUID' }), rid: z.uuid({ message: 'expected a UUID' }) });
