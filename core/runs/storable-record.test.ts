import { describe, expect, it } from 'vitest';
import { stableStringify } from '../events/payload-hash.ts';
import { mayHoldUnstorableText, storablePayload } from './storable-record.ts';

// Polled payloads are made storable before they are hashed and stored: a NUL or a lone surrogate
// in one record must not fail its page (jsonb cannot hold either), and the payloads that hold
// neither, nearly all of them, must come through untouched and uncopied.

describe('storable polled payloads', () => {
  it('replaces NUL and lone surrogates in values and keys, at any depth, keeping the rest', () => {
    const payload = {
      short_description: 'pasted from mail:\u0000end',
      ['key\u0000']: 1,
      nested: { list: ['ok', 'half \ud83d', { ['\udc00']: 'x' }], fine: 'é😀', n: 2, none: null, yes: true },
    };
    expect(storablePayload(payload)).toEqual({
      short_description: 'pasted from mail:\ufffdend',
      ['key\ufffd']: 1,
      nested: { list: ['ok', 'half \ufffd', { ['\ufffd']: 'x' }], fine: 'é😀', n: 2, none: null, yes: true },
    });
    // The original is left as it was.
    expect(payload.short_description).toBe('pasted from mail:\u0000end');
  });

  it('returns the payload itself when nothing needs replacing', () => {
    const payload = { a: 'text', b: ['é😀', { c: 'backslash \\u0000 as text' }] };
    expect(storablePayload(payload)).toBe(payload);
  });

  it('keeps key order and a __proto__ key as a key', () => {
    const payload = JSON.parse('{"z":"\\u0000","__proto__":{"polluted":true},"a":1}');
    const storable = storablePayload(payload);
    expect(Object.keys(storable)).toEqual(['z', '__proto__', 'a']);
    expect(Object.getPrototypeOf(storable)).toBe(Object.prototype);
    expect(JSON.stringify(storable)).toBe('{"z":"\ufffd","__proto__":{"polluted":true},"a":1}');
  });

  it('walks nesting far deeper than the call stack allows', () => {
    let deep: unknown = 'bottom\u0000';
    for (let level = 0; level < 50_000; level++) deep = [deep];
    let storable = storablePayload(deep);
    for (let level = 0; level < 50_000; level++) storable = (storable as unknown[])[0];
    expect(storable).toBe('bottom\ufffd');
  });

  it('tells from the hashed text whether a payload may need it', () => {
    expect(mayHoldUnstorableText(stableStringify({ a: 'plain', b: 'é😀\n"' }))).toBe(false);
    expect(mayHoldUnstorableText(stableStringify({ a: 'x\u0000' }))).toBe(true);
    expect(mayHoldUnstorableText(stableStringify({ ['k\udfff']: 1 }))).toBe(true);
    expect(mayHoldUnstorableText(stableStringify({ a: ['\ud800'] }))).toBe(true);
  });
});
