import type { RetryPolicy } from './http-client.options.ts';

/**
 * Delay before retry number `retry` (1 for the first retry): "full jitter", uniform in
 * [0, min(maxDelayMs, minDelayMs·2^(retry−1))). Full jitter spreads the retries of many workers
 * hit by the same outage instead of having them return in lock-step.
 */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, 'minDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(ceiling * random());
}
