import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { payloadHash, sha256, stableStringify } from './payload-hash.ts';

// The first implementation, kept as the oracle: hashes already stored in integration_records and
// fingerprints must come out the same from any later, faster one.
function referenceStableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(referenceStableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${referenceStableStringify(inner)}`).join(',')}}`;
}

describe('payload hash', () => {
  it('ignores key order and undefined fields, not values', () => {
    expect(stableStringify({ b: 1, a: [{ y: 2, x: 1 }], c: undefined })).toBe('{"a":[{"x":1,"y":2}],"b":1}');
    expect(payloadHash({ a: 1, b: 2 })).toBe(payloadHash({ b: 2, a: 1 }));
    expect(payloadHash({ a: 1 })).not.toBe(payloadHash({ a: '1' }));
  });

  it('produces exactly what the first implementation stored', () => {
    const values: unknown[] = [
      null, 0, -1.5, 'text', true, undefined, [], {}, [undefined, null, 1],
      { sys_id: 'abc', number: 'INC0001', nested: { z: [1, { b: 'x', a: null }], a: 'é😀', 'Zed': 1, zed: 2, '10': 'n', '9': 'm' } },
      { empty: '', quote: 'he said "hi"\n', dropped: undefined, date: new Date(0), list: [[], [{}]] },
    ];
    for (const value of values) expect(stableStringify(value)).toBe(referenceStableStringify(value));
  });

  it('hashes like a fresh SHA-256 object', () => {
    expect(sha256('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(sha256(Buffer.from([0, 255]))).toBe(createHash('sha256').update(Buffer.from([0, 255])).digest('hex'));
  });
});
