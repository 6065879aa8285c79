import type { HubContext } from '../server/hub-context.ts';
import { seal, SecretDecryptionError, unseal } from '../vault/secret-box.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';

// Credentials are one JSON document per integration, sealed with the vault key and bound to the
// tenant and integration. Only a hint that a secret is stored is kept in clear.

/** The hint of stored credentials that hold a secret. */
export const SECRET_SET = '••••';

const SECRET_FIELDS = ['password', 'clientSecret', 'token', 'key', 'secret', 'apiToken', 'botToken', 'signingSecret'];

function binding(tenantId: string, integrationId: string) {
  return { tenantId, owner: `integration:${integrationId}:credentials` };
}

/**
 * "••••" when a secret is stored. None of its characters: the last four of a password or a client
 * secret narrow a guess, and the hint is kept in clear. Which secret is set is told by the
 * fingerprints of the credential audit instead.
 */
export function credentialHint(credentials: unknown): string | null {
  const queue: unknown[] = [credentials];
  while (queue.length > 0) {
    const value = queue.shift();
    if (!value || typeof value !== 'object') continue;
    for (const [field, inner] of Object.entries(value)) {
      if (typeof inner === 'string' && SECRET_FIELDS.includes(field)) return SECRET_SET;
      if (inner && typeof inner === 'object') queue.push(inner);
    }
  }
  return null;
}

export function sealCredentials(hub: HubContext, tenantId: string, integrationId: string, credentials: unknown) {
  const sealed = seal(hub.masterKeys, JSON.stringify(credentials), binding(tenantId, integrationId));
  return {
    credentials_ciphertext: sealed.ciphertext,
    credentials_key_version: sealed.keyVersion,
    credentials_hint: credentialHint(credentials),
  };
}

/** What opening an integration's credentials needs of its row. */
export type SealedCredentials = Pick<IntegrationConfigRow, 'tenant_id' | 'id' | 'credentials_ciphertext' | 'credentials_key_version'>;

function openPlaintext(hub: HubContext, row: SealedCredentials): string | undefined {
  if (!row.credentials_ciphertext || row.credentials_key_version === null) return undefined;
  return unseal(hub.masterKeys, { ciphertext: row.credentials_ciphertext, keyVersion: row.credentials_key_version }, binding(row.tenant_id, row.id));
}

export function openCredentials(hub: HubContext, row: SealedCredentials): unknown {
  const plaintext = openPlaintext(hub, row);
  return plaintext === undefined ? undefined : (JSON.parse(plaintext) as unknown);
}

/**
 * The stored credentials a replacement is about to overwrite, for the audit's old fingerprint; none
 * when they cannot be opened. New credentials are how such an integration is repaired, so an old
 * secret nobody can read must not stop them (its audit entry then has no old fingerprint).
 */
export function credentialsBeingReplaced(hub: HubContext, row: SealedCredentials): unknown {
  try {
    return openCredentials(hub, row);
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    hub.logger.warn({ integrationId: row.id, reason: error.message }, 'replacing stored credentials that cannot be decrypted');
    return undefined;
  }
}

/**
 * Whether two sealings of an integration's credentials hold the same secret: `hub keys rotate`
 * re-encrypts them without changing them, so their ciphertext alone cannot tell. False when either
 * cannot be opened with this process's keys.
 */
export function sameCredentials(hub: HubContext, a: SealedCredentials, b: SealedCredentials): boolean {
  if (a.credentials_ciphertext === b.credentials_ciphertext) return true;
  try {
    return openPlaintext(hub, a) === openPlaintext(hub, b);
  } catch {
    return false;
  }
}
