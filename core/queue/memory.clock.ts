// The in-process queue reads time and sets timers only through this, so tests can drive it.

export type TimerHandle = unknown;

export interface QueueClock {
  /** The wall clock, ms since the epoch: what jobs' due times and cron matches are stated in. */
  now(): number;
  /** Elapsed time, ms from an arbitrary start: never steps when the wall clock is set. */
  elapsed(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: QueueClock = {
  now: () => Date.now(),
  elapsed: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** How far the wall clock reads ahead of elapsed time: it changes when the wall clock steps. */
export function wallClockLead(clock: QueueClock): number {
  return clock.now() - clock.elapsed();
}

export interface Timer {
  cancel(): void;
}

// Node fires longer timeouts at once; a yearly cron or a long delay must wait in steps instead.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Calls `fn` once `ms` have elapsed. Elapsed, not until the wall clock reads a time: a host clock
 * set back by hours would otherwise hold every delayed job, retry and schedule for those hours.
 */
export function startTimer(clock: QueueClock, ms: number, fn: () => void): Timer {
  const end = clock.elapsed() + ms;
  let handle: TimerHandle;
  const arm = (): void => {
    const wait = end - clock.elapsed();
    handle = clock.setTimeout(
      () => (clock.elapsed() >= end ? fn() : arm()),
      Math.max(0, Math.min(wait, MAX_TIMEOUT_MS)),
    );
  };
  arm();
  return { cancel: () => clock.clearTimeout(handle) };
}

/** Resolves after `ms`; the timer can be cancelled so a finished wait keeps no process alive. */
export function delay(clock: QueueClock, ms: number): { done: Promise<void>; timer: Timer } {
  let timer: Timer = { cancel: () => {} };
  const done = new Promise<void>((resolve) => {
    timer = startTimer(clock, ms, resolve);
  });
  return { done, timer };
}
