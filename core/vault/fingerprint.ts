import { createHmac, randomBytes } from 'node:crypto';
import { stableStringify } from '../events/payload-hash.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { seal, unseal } from './secret-box.ts';

// A fingerprint tells whether two secrets are the same without revealing either: an HMAC under a
// per-tenant random key that is itself sealed with the master key, so a copy of the database alone
// cannot be used to test guesses of a weak password against it.

const OWNER = 'tenant:fingerprint-key';
const cache = new Map<string, Buffer>();

/**
 * The tenant's fingerprint key, read (or made) through `db`: inside a transaction that must be the
 * transaction itself, since embedded PGlite has one connection, which the transaction holds. A key
 * made inside a transaction is not cached: should it roll back, the key was never stored.
 */
async function fingerprintKey(hub: HubContext, tenantId: string, db: Kysely<Database>): Promise<Buffer> {
  const cached = cache.get(tenantId);
  if (cached) return cached;
  const binding = { tenantId, owner: OWNER };
  const read = () =>
    db.selectFrom('tenants').select(['fingerprint_key_ciphertext', 'fingerprint_key_version']).where('id', '=', tenantId).executeTakeFirstOrThrow();
  let row = await read();
  const made = !row.fingerprint_key_ciphertext;
  if (made) {
    const sealed = seal(hub.masterKeys, randomBytes(32).toString('base64'), binding);
    // Only the first writer's key counts; everyone then reads that one.
    await db
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
  if (!(made && db.isTransaction)) cache.set(tenantId, key);
  return key;
}

/**
 * `fp_` and 16 hex characters of HMAC-SHA256 over the canonical JSON of the credentials. `db` is
 * required, not defaulted to hub.db: inside a transaction it must be the transaction.
 */
export async function secretFingerprint(hub: HubContext, tenantId: string, credentials: unknown, db: Kysely<Database>): Promise<string> {
  const key = await fingerprintKey(hub, tenantId, db);
  return `fp_${createHmac('sha256', key).update(stableStringify(credentials)).digest('hex').slice(0, 16)}`;
}

/** As a restarted process: no tenant's key known yet (for tests). */
export function forgetFingerprintKeys(): void {
  cache.clear();
}
