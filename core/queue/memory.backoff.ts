import type { Backoff } from './queue.types.ts';

/**
 * Delay before the next attempt, with BullMQ's formulas so embedded mode retries on the same
 * timetable as production. `attemptsMade` counts failed attempts so far (1 after the first).
 */
export function backoffDelayMs(backoff: Backoff | undefined, attemptsMade: number): number {
  if (!backoff) return 0;
  if (backoff.type === 'fixed') return backoff.delayMs;
  return Math.round(2 ** (attemptsMade - 1) * backoff.delayMs);
}
