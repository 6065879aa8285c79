import { describe, expect, it } from 'vitest';
import { lockedUntil, MAX_FAILURES, WINDOW_MS, type Attempt } from './lockout.ts';

const now = new Date('2025-06-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const fail = (m: number): Attempt => ({ outcome: 'failure', attempted_at: minutesAgo(m) });

describe('lockout', () => {
  it('is not locked below five failures', () => {
    expect(lockedUntil([fail(1), fail(2), fail(3), fail(4)], now)).toBeUndefined();
  });

  it('locks at five failures within 15 minutes, until the oldest of them is 15 minutes old', () => {
    const until = lockedUntil([fail(1), fail(2), fail(3), fail(4), fail(10)], now);
    expect(until).toEqual(new Date(minutesAgo(10).getTime() + WINDOW_MS));
    expect(MAX_FAILURES).toBe(5);
  });

  it('ignores failures older than the window', () => {
    expect(lockedUntil([fail(1), fail(2), fail(3), fail(4), fail(16)], now)).toBeUndefined();
  });

  it('counts only failures after the last success', () => {
    const attempts = [fail(1), fail(2), { outcome: 'success' as const, attempted_at: minutesAgo(3) }, fail(4), fail(5), fail(6)];
    expect(lockedUntil(attempts, now)).toBeUndefined();
  });

  it('counts failures of the same instant as a success when they are read first', () => {
    const success = { outcome: 'success' as const, attempted_at: minutesAgo(5) };
    expect(lockedUntil([fail(1), fail(2), fail(3), fail(5), success, fail(5)], now)).toBeUndefined();
    expect(lockedUntil([fail(1), fail(2), fail(3), fail(5), fail(5), success], now)).toEqual(new Date(minutesAgo(5).getTime() + WINDOW_MS));
  });

  it('does not extend the lock for attempts refused while locked', () => {
    const locked: Attempt[] = [0.5, 0.2].map((m) => ({ outcome: 'locked', attempted_at: minutesAgo(m) }));
    const until = lockedUntil([...locked, fail(1), fail(2), fail(3), fail(4), fail(5)], now);
    expect(until).toEqual(new Date(minutesAgo(5).getTime() + WINDOW_MS));
  });
});
