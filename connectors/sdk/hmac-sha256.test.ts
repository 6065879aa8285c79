import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacKey, hmacSha256 } from './hmac-sha256.ts';

describe('hmacSha256', () => {
  it('gives the bytes createHmac gives, for short, block-sized and long keys and any message', () => {
    for (const keyLength of [0, 1, 24, 32, 63, 64, 65, 200]) {
      for (const messageLength of [0, 1, 55, 56, 64, 1000]) {
        const secret = randomBytes(keyLength);
        const head = randomBytes(Math.floor(messageLength / 3));
        const body = randomBytes(messageLength - head.length);
        const expected = createHmac('sha256', secret).update(head).update(body).digest();
        expect(hmacSha256(hmacKey(secret), head, body).equals(expected)).toBe(true);
      }
    }
  });
});
