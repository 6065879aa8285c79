import { z } from 'zod';
import { Timestamp } from '../../schemas/api/common.schema.ts';
import type { TenantSettingChangeRow } from '../db/database.types.ts';
import { TenantSettings } from './tenant-settings.ts';

/** A change of a safeguard setting that waits for another admin, or was decided. */
export const SettingChange = z.object({
  id: z.uuid(),
  setting: z.enum(['requireRotationApproval']),
  value: z.boolean(),
  status: z.enum(['pending_approval', 'applied', 'cancelled']),
  requestedBy: z.string(),
  requestedAt: Timestamp,
  decidedBy: z.string().nullable(),
  decidedAt: Timestamp.nullable(),
});
export type SettingChange = z.infer<typeof SettingChange>;

export const SettingChangeList = z.object({ changes: z.array(SettingChange) });
export type SettingChangeList = z.infer<typeof SettingChangeList>;

/** The answer to a PATCH that weakens a safeguard: nothing changed yet. */
export const PendingSettingsChange = z.object({
  status: z.literal('pending_approval'),
  /** The settings in force, unchanged until another admin approves. */
  settings: TenantSettings,
  change: SettingChange,
});
export type PendingSettingsChange = z.infer<typeof PendingSettingsChange>;

export function toSettingChange(row: TenantSettingChangeRow): SettingChange {
  return SettingChange.parse({
    id: row.id,
    setting: row.setting,
    value: row.value,
    status: row.status,
    requestedBy: row.requested_by,
    requestedAt: row.created_at.toISOString(),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at?.toISOString() ?? null,
  });
}
