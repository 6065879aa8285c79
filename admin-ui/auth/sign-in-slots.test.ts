import { describe, expect, it } from 'vitest';
import { inSignInSlot, SIGN_INS_AT_ONCE, SIGN_INS_WAITING } from './sign-in-slots.ts';

// A flood of sign-ins runs a few password hashes at once, lets a bounded number wait, and turns the
// rest away at once, so the thread pool the hub's DNS lookups share is never buried.

describe('sign-in slots', () => {
  it('runs a few at once, queues a bounded number and turns the rest away, then serves the queue in order', async () => {
    let active = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const work = () =>
      new Promise<string>((resolve) => {
        active += 1;
        most = Math.max(most, active);
        releases.push(() => {
          active -= 1;
          resolve('done');
        });
      });
    const admitted = Array.from({ length: SIGN_INS_AT_ONCE + SIGN_INS_WAITING }, () => inSignInSlot(work));
    expect(await inSignInSlot(work)).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(active).toBe(SIGN_INS_AT_ONCE);

    // Each release lets the next in; all that were admitted finish.
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(admitted)).toEqual(admitted.map(() => 'done'));
    expect(most).toBe(SIGN_INS_AT_ONCE);
    // Free again.
    expect(await inSignInSlot(async () => 'again')).toBe('again');
  });

  it('frees its slot when the work fails', async () => {
    await expect(inSignInSlot(async () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    const results = await Promise.all(Array.from({ length: SIGN_INS_AT_ONCE + 1 }, () => inSignInSlot(async () => 'ok')));
    expect(results).toEqual(results.map(() => 'ok'));
  });
});
