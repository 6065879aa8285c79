import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.ts';

const now = new Date('2024-05-01T10:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date against the given clock', () => {
    expect(parseRetryAfter('Wed, 01 May 2024 10:00:30 GMT', now)).toBe(30_000);
  });

  it('reads all three HTTP-date forms as GMT, whatever the host time zone (the asctime form names no zone)', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const at = new Date('1994-11-06T08:49:07Z');
      expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', at)).toBe(30_000);
      expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', at)).toBe(30_000);
      expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', at)).toBe(30_000);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfter('Wed, 01 May 2024 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent, empty, negative and unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('Wed, 99 Foo 2024', now)).toBeUndefined();
  });
});
