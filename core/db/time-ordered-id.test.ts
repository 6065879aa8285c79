import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './time-ordered-id.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisecondsOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('timeOrderedId', () => {
  it('is a version 7, variant 1 UUID carrying the millisecond it was made', () => {
    const now = Date.parse('2030-06-15T12:34:56.789Z');
    const id = timeOrderedId(now);
    expect(id).toMatch(UUID_V7);
    expect(millisecondsOf(id)).toBe(now);
    expect(millisecondsOf(timeOrderedId(0))).toBe(0);
    expect(millisecondsOf(timeOrderedId(2 ** 48 - 1))).toBe(2 ** 48 - 1);
  });

  it('sorts by time across milliseconds, as text and as PostgreSQL compares uuids', () => {
    const ids = [0, 1, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, Date.now()].map((ms) => timeOrderedId(ms));
    expect([...ids].sort()).toEqual(ids);
  });

  it('does not repeat, however many are made in one millisecond (past several refills of its random pool)', () => {
    const ids = new Set(Array.from({ length: 100_000 }, () => timeOrderedId(1_700_000_000_000)));
    expect(ids.size).toBe(100_000);
    for (const id of [...ids].slice(0, 1000)) expect(id).toMatch(UUID_V7);
  });
});
