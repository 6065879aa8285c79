import { describe, expect, it } from 'vitest';
import { payloadHash, stableStringify } from './payload-hash.ts';

describe('payload hash', () => {
  it('ignores key order and undefined fields, not values', () => {
    expect(stableStringify({ b: 1, a: [{ y: 2, x: 1 }], c: undefined })).toBe('{"a":[{"x":1,"y":2}],"b":1}');
    expect(payloadHash({ a: 1, b: 2 })).toBe(payloadHash({ b: 2, a: 1 }));
    expect(payloadHash({ a: 1 })).not.toBe(payloadHash({ a: '1' }));
  });
});
