import type { IntegrationConfigRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { previousCredentialsUntil } from './previous-credentials.ts';
import type { Integration } from '../../schemas/api/integration.schema.ts';

/** The API view of an integration: the ciphertext never leaves the repository layer. */
export function toIntegration(row: IntegrationConfigRow, hub: Pick<HubContext, 'config' | 'clock'>): Integration {
  return {
    id: row.id,
    connector: row.connector,
    name: row.name,
    environment: row.environment,
    config: row.config,
    schedules: row.schedules,
    enabled: row.enabled,
    paused: row.paused_at !== null,
    credentials: {
      set: row.credentials_ciphertext !== null,
      hint: row.credentials_hint,
      expiresAt: row.credentials_expires_at?.toISOString() ?? null,
      previousAcceptedUntil: previousCredentialsUntil(hub, row)?.toISOString() ?? null,
    },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
