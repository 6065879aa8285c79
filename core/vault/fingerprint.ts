import { createHmac, randomBytes } from 'node:crypto';
import { stableStringify } from '../events/payload-hash.ts';
import type { HubContext } from '../server/hub-context.ts';
import { seal, unseal } from './secret-box.ts';

// A fingerprint tells whether two secrets are the same without revealing either: an HMAC under a
// per-tenant random key that is itself sealed with the master key, so a copy of the database alone
// cannot be used to test guesses of a weak password against it.

const OWNER = 'tenant:fingerprint-key';
const cache = new Map<string, Buffer>();

async function fingerprintKey(hub: HubContext, tenantId: string): Promise<Buffer> {
  const cached = cache.get(tenantId);
  if (cached) return cached;
  const binding = { tenantId, owner: OWNER };
  const read = () =>
    hub.db.selectFrom('tenants').select(['fingerprint_key_ciphertext', 'fingerprint_key_version']).where('id', '=', tenantId).executeTakeFirstOrThrow();
  let row = await read();
  if (!row.fingerprint_key_ciphertext) {
    const sealed = seal(hub.masterKeys, randomBytes(32).toString('base64'), binding);
    // Only the first writer's key counts; everyone then reads that one.
    await hub.db
      .updateTable('tenants')
      .set({ fingerprint_key_ciphertext: sealed.ciphertext, fingerprint_key_version: sealed.keyVersion })
      .where('id', '=', tenantId)
      .where('fingerprint_key_ciphertext', 'is', null)
      .execute();
    row = await read();
  }
  const key = Buffer.from(
    unseal(hub.masterKeys, { ciphertext: row.fingerprint_key_ciphertext ?? '', keyVersion: row.fingerprint_key_version ?? 0 }, binding),
    'base64',
  );
  cache.set(tenantId, key);
  return key;
}

/** `fp_` and 16 hex characters of HMAC-SHA256 over the canonical JSON of the credentials. */
export async function secretFingerprint(hub: HubContext, tenantId: string, credentials: unknown): Promise<string> {
  const key = await fingerprintKey(hub, tenantId);
  return `fp_${createHmac('sha256', key).update(stableStringify(credentials)).digest('hex').slice(0, 16)}`;
}
