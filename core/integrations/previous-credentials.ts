import { isDeepStrictEqual } from 'node:util';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { seal, unseal } from '../vault/secret-box.ts';

// A webhook sender holds its own copy of the signing secret (ServiceNow's system property, a Slack
// app's signing secret) and switches to a new one by hand, after the hub has it. The credentials a
// change replaces therefore still verify deliveries for HUB_WEBHOOK_SECRET_GRACE_SECONDS, so none
// signed in between is refused. They verify webhooks and nothing else: polls and actions use the
// current credentials only.

export const previousCredentialsOwner = (integrationId: string) => `integration:${integrationId}:previous-credentials`;

const binding = (tenantId: string, integrationId: string) => ({ tenantId, owner: previousCredentialsOwner(integrationId) });

export const NO_PREVIOUS_CREDENTIALS = {
  previous_credentials_ciphertext: null,
  previous_credentials_key_version: null,
  previous_credentials_until: null,
} as const;

/** The values of the fields a connector verifies deliveries with, or undefined when it names none. */
function webhookSecrets(connector: AnyConnector, credentials: unknown): unknown[] | undefined {
  const fields = connector.webhook?.secretFields;
  if (!fields) return undefined;
  return fields.map((field) => (credentials !== null && typeof credentials === 'object' ? (credentials as Record<string, unknown>)[field] : undefined));
}

/**
 * The columns that keep `replaced` (the credentials a change is about to overwrite with
 * `replacement`, opened) through the grace window. Nothing is kept for a connector that takes no
 * webhooks, when the window is 0, when the old credentials could not be opened, or when the new
 * ones hold no webhook secret (webhooks switched off); credentials kept from an earlier change go
 * either way. A change that keeps the webhook secret leaves the window of an earlier one as it is.
 */
export function keepPreviousCredentials(hub: HubContext, row: Pick<IntegrationConfigRow, 'tenant_id' | 'id'>, connector: AnyConnector, replaced: unknown, replacement: unknown) {
  const graceSeconds = hub.config.HUB_WEBHOOK_SECRET_GRACE_SECONDS;
  if (replaced === undefined || !connector.webhook || graceSeconds === 0) return NO_PREVIOUS_CREDENTIALS;
  const newSecrets = webhookSecrets(connector, replacement);
  const oldSecrets = webhookSecrets(connector, replaced);
  // No webhook secret now (webhooks switched off), or none before (nothing signed with one to wait for).
  if (newSecrets?.every((secret) => secret === undefined) || oldSecrets?.every((secret) => secret === undefined)) return NO_PREVIOUS_CREDENTIALS;
  if (newSecrets && isDeepStrictEqual(oldSecrets, newSecrets)) return {};
  const sealed = seal(hub.masterKeys, JSON.stringify(replaced), binding(row.tenant_id, row.id));
  return {
    previous_credentials_ciphertext: sealed.ciphertext,
    previous_credentials_key_version: sealed.keyVersion,
    previous_credentials_until: new Date(hub.clock().getTime() + graceSeconds * 1000),
  };
}

/**
 * Until when the replaced credentials still verify webhooks; null when none do (any more). A window
 * of 0 stops those kept before it was set too: an operator lowering it during a leak means it.
 */
export function previousCredentialsUntil(hub: Pick<HubContext, 'config' | 'clock'>, row: Pick<IntegrationConfigRow, 'previous_credentials_ciphertext' | 'previous_credentials_until'>): Date | null {
  if (hub.config.HUB_WEBHOOK_SECRET_GRACE_SECONDS === 0) return null;
  const until = row.previous_credentials_until;
  return row.previous_credentials_ciphertext !== null && until !== null && until > hub.clock() ? until : null;
}

/**
 * The replaced credentials while they still verify webhooks, with the instant they stop; undefined
 * when there are none. Ones this process cannot open count as none: an old secret that cannot be
 * read must not stop deliveries signed with the current one.
 */
export function openPreviousCredentials(hub: HubContext, row: IntegrationConfigRow): { credentials: unknown; until: Date } | undefined {
  const until = previousCredentialsUntil(hub, row);
  if (until === null || row.previous_credentials_key_version === null) return undefined;
  try {
    const plaintext = unseal(hub.masterKeys, { ciphertext: row.previous_credentials_ciphertext!, keyVersion: row.previous_credentials_key_version }, binding(row.tenant_id, row.id));
    return { credentials: JSON.parse(plaintext) as unknown, until };
  } catch (error) {
    hub.logger.warn({ integrationId: row.id, reason: (error as Error).message }, 'the replaced credentials cannot be opened; only the current ones verify webhooks');
    return undefined;
  }
}

/** Forgets replaced credentials whose window has passed: an old secret is kept no longer than it serves. */
export async function forgetExpiredPreviousCredentials(hub: HubContext): Promise<number> {
  const result = await hub.db
    .updateTable('integration_configs')
    .set(NO_PREVIOUS_CREDENTIALS)
    .where('previous_credentials_until', '<=', hub.clock())
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
