import { describe, expect, it } from 'vitest';
import { createBoundedCache } from './bounded-cache.ts';

// A process-wide cache holds no expired entry it has met and never more than its limit, so what
// every user, token or integration ever seen left behind goes in the end.

/** A cache on a clock the test moves. */
function cache(limit: number) {
  let now = 1_000_000;
  const held = createBoundedCache<string, string>({ limit, now: () => now });
  return { held, advance: (ms: number) => (now += ms), now: () => now };
}

describe('createBoundedCache', () => {
  it('serves an entry until it expires, then drops it', () => {
    const { held, advance, now } = cache(10);
    held.set('U1', 'ann', now() + 600);

    advance(599);
    expect(held.get('U1')).toBe('ann');
    advance(1);
    expect(held.get('U1')).toBeUndefined();
    expect(held.size).toBe(0);
  });

  it('drops the expired entries it holds when another is added, under its limit too', () => {
    const { held, advance, now } = cache(100);
    for (let i = 0; i < 50; i++) held.set(`U${i}`, 'someone', now() + 600);
    advance(600);

    held.set('U-new', 'newcomer', now() + 600);

    expect(held.size).toBe(1);
    expect(held.get('U-new')).toBe('newcomer');
  });

  it('keeps the entries still fresh behind an expired one that was used since', () => {
    const { held, advance, now } = cache(10);
    held.set('early', 'e', now() + 100);
    held.set('late', 'l', now() + 1_000);
    // Used last, `early` is the most recently used: the sweep from the least recently used stops at `late`.
    expect(held.get('early')).toBe('e');
    advance(100);

    held.set('new', 'n', now() + 1_000);

    expect(held.get('late')).toBe('l');
    expect(held.get('new')).toBe('n');
    expect(held.get('early')).toBeUndefined();
    expect(held.size).toBe(2);
  });

  it('holds no more than its limit, dropping the least recently used', () => {
    const { held, now } = cache(3);
    for (const key of ['a', 'b', 'c']) held.set(key, key, now() + 600);
    expect(held.get('a')).toBe('a');

    held.set('d', 'd', now() + 600);

    expect(held.size).toBe(3);
    expect(held.get('b')).toBeUndefined();
    expect([held.get('a'), held.get('c'), held.get('d')]).toEqual(['a', 'c', 'd']);
    for (let i = 0; i < 1_000; i++) held.set(`k${i}`, 'v', now() + 600);
    expect(held.size).toBe(3);
  });

  it('keeps an entry without an expiry until it is the least recently used past the limit', () => {
    const { held, advance } = cache(2);
    held.set('app-1', 'one');
    advance(365 * 24 * 3_600_000);
    expect(held.get('app-1')).toBe('one');
    held.set('app-2', 'two');
    held.set('app-3', 'three');
    expect(held.get('app-1')).toBeUndefined();
    expect(held.size).toBe(2);
  });

  it('replaces the value of a key rather than adding an entry', () => {
    const { held, now } = cache(10);
    held.set('T1', 'first', now() + 600);
    held.set('T1', 'second', now() + 600);
    expect(held.size).toBe(1);
    expect(held.get('T1')).toBe('second');
  });
});
