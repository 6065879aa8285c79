import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LATE, resultWithin, settlesWithin, withTimeout } from './deadline.ts';

describe('deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function later<T>(ms: number, outcome: () => T): Promise<T> {
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve(outcome());
        } catch (error) {
          reject(error);
        }
      }, ms),
    );
  }

  it('gives the value of work that settles in time, and LATE for work that does not', async () => {
    const quick = resultWithin(later(10, () => 'done'), 100);
    const slow = resultWithin(later(200, () => 'done'), 100);
    await vi.advanceTimersByTimeAsync(250);
    await expect(quick).resolves.toBe('done');
    await expect(slow).resolves.toBe(LATE);
  });

  it('passes on a rejection within the limit and leaves a later one handled', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const early = resultWithin(
        later(10, () => {
          throw new Error('refused');
        }),
        100,
      );
      const expectEarly = expect(early).rejects.toThrow('refused');
      const lateFailure = resultWithin(
        later(200, () => {
          throw new Error('too late');
        }),
        100,
      );
      await vi.advanceTimersByTimeAsync(250);
      await expectEarly;
      await expect(lateFailure).resolves.toBe(LATE);
      await vi.advanceTimersByTimeAsync(0);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('settlesWithin counts a failure as settled and never rejects', async () => {
    const failed = settlesWithin(Promise.reject(new Error('x')), 100);
    const hanging = settlesWithin(new Promise(() => {}), 100);
    await vi.advanceTimersByTimeAsync(150);
    await expect(failed).resolves.toBe(true);
    await expect(hanging).resolves.toBe(false);
  });

  it('withTimeout rejects with the error it is given once the limit passes', async () => {
    const hanging = withTimeout(new Promise(() => {}), 100, () => new Error('ping timed out after 100 ms'));
    const expectation = expect(hanging).rejects.toThrow('ping timed out after 100 ms');
    await vi.advanceTimersByTimeAsync(150);
    await expectation;
    const quick = withTimeout(later(10, () => 7), 100, () => new Error('never'));
    await vi.advanceTimersByTimeAsync(20);
    await expect(quick).resolves.toBe(7);
  });
});
