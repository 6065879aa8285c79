import { hash } from 'node:crypto';

// HMAC-SHA256 (RFC 2104) from two one-shot hashes over precomputed pads. Node's Hmac object costs
// several times the hashing itself to set up, and webhooks verify one per delivery; the pads are
// derived once per key, and the result is the same bytes createHmac gives (unit-tested against it).

const BLOCK = 64;

export interface HmacKey {
  innerPad: Buffer;
  outerPad: Buffer;
}

export function hmacKey(secret: Buffer): HmacKey {
  const key = Buffer.alloc(BLOCK);
  (secret.length > BLOCK ? hash('sha256', secret, 'buffer') : secret).copy(key);
  const innerPad = Buffer.alloc(BLOCK);
  const outerPad = Buffer.alloc(BLOCK);
  for (let index = 0; index < BLOCK; index++) {
    innerPad[index] = key[index]! ^ 0x36;
    outerPad[index] = key[index]! ^ 0x5c;
  }
  return { innerPad, outerPad };
}

/** HMAC-SHA256 of the concatenated `parts` under `key`. */
export function hmacSha256(key: HmacKey, ...parts: Buffer[]): Buffer {
  const inner = hash('sha256', Buffer.concat([key.innerPad, ...parts]), 'buffer');
  return hash('sha256', Buffer.concat([key.outerPad, inner]), 'buffer');
}
