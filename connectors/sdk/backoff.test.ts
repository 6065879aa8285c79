import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

const policy = { minDelayMs: 500, maxDelayMs: 4000 };

describe('backoffDelay', () => {
  it('doubles the ceiling per retry up to the maximum', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(retry, policy, () => 0.999_999));
    expect(ceilings).toEqual([499, 999, 1999, 3999, 3999, 3999]);
  });

  it('jitters over the whole range from zero to the ceiling', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(1000);
  });
});
