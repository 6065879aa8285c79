import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { createBoundedCache } from './bounded-cache.ts';

// Standard Webhooks signature check with Node's crypto: HMAC-SHA256 over `{id}.{timestamp}.{body}`
// keyed with the base64-decoded secret after `whsec_`; any of the space-separated `v1,` signatures
// may match (key rotation). The reference library computes the same in JavaScript, several times
// slower, on the hot path of every delivery.

export interface StandardWebhookHeaders {
  id: string;
  timestamp: string;
  signature: string;
}

// Decoding the secret into a key object: once per secret, not per delivery. An HMAC keyed with a
// KeyObject skips the key import that makes one keyed with raw bytes several times slower. Past
// the bound the least recently used secret goes, so a hub with more integrations than that keeps
// the keys of those that receive deliveries.
const keys = createBoundedCache<string, KeyObject>({ limit: 10_000 });

export function signingKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64'));
    keys.set(secret, key);
  }
  return key;
}

export function standardWebhookSignatureMatches(key: KeyObject, headers: StandardWebhookHeaders, rawBody: Buffer): boolean {
  const expected = createHmac('sha256', key).update(`${headers.id}.${headers.timestamp}.`).update(rawBody).digest();
  for (const entry of headers.signature.split(' ')) {
    const [version, encoded] = entry.split(',', 2);
    if (version !== 'v1' || !encoded) continue;
    const candidate = Buffer.from(encoded, 'base64');
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return true;
  }
  return false;
}
