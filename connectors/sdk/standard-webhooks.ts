import { timingSafeEqual } from 'node:crypto';
import { hmacKey, hmacSha256, type HmacKey } from './hmac-sha256.ts';

// Standard Webhooks signature check with Node's crypto: HMAC-SHA256 over `{id}.{timestamp}.{body}`
// keyed with the base64-decoded secret after `whsec_`; any of the space-separated `v1,` signatures
// may match (key rotation). The reference library computes the same in JavaScript, several times
// slower, on the hot path of every delivery.

export interface StandardWebhookHeaders {
  id: string;
  timestamp: string;
  signature: string;
}

// Decoding the secret and deriving the HMAC pads: once per secret, not per delivery.
const keys = new Map<string, HmacKey>();

export function signingKey(secret: string): HmacKey {
  let key = keys.get(secret);
  if (!key) {
    key = hmacKey(Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64'));
    if (keys.size > 10_000) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

export function standardWebhookSignatureMatches(key: HmacKey, headers: StandardWebhookHeaders, rawBody: Buffer): boolean {
  const expected = hmacSha256(key, Buffer.from(`${headers.id}.${headers.timestamp}.`), rawBody);
  for (const entry of headers.signature.split(' ')) {
    const [version, encoded] = entry.split(',', 2);
    if (version !== 'v1' || !encoded) continue;
    const candidate = Buffer.from(encoded, 'base64');
    if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return true;
  }
  return false;
}
