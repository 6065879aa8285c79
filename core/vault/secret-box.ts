import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKeySet } from './master-keys.ts';

// AES-256-GCM with a random 96-bit IV. The associated data binds a ciphertext to its tenant, row
// and key version, so a ciphertext copied into another row or tenant does not decrypt.

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBinding {
  tenantId: string;
  /** The row and purpose the secret belongs to, e.g. `integration:<id>:credentials`. */
  owner: string;
}

export interface Sealed {
  ciphertext: string;
  keyVersion: number;
}

export class SecretDecryptionError extends Error {
  override name = 'SecretDecryptionError';
}

function associatedData(binding: SecretBinding, keyVersion: number): Buffer {
  return Buffer.from(`hub:v1|${binding.tenantId}|${binding.owner}|${keyVersion}`, 'utf8');
}

export function seal(keys: MasterKeySet, plaintext: string, binding: SecretBinding): Sealed {
  const { version, key } = keys.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(binding, version));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), keyVersion: version };
}

/** Throws SecretDecryptionError (never revealing key or plaintext) when tampered with or misplaced. */
export function unseal(keys: MasterKeySet, sealed: Sealed, binding: SecretBinding): string {
  const master = keys.byVersion.get(sealed.keyVersion);
  if (!master) throw new SecretDecryptionError(`no master key version ${sealed.keyVersion} is configured`);
  const raw = Buffer.from(sealed.ciphertext, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptionError('ciphertext is truncated');
  const decipher = createDecipheriv('aes-256-gcm', master.key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(binding, sealed.keyVersion));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError('secret failed authentication: tampered with, or stored in another row');
  }
}
