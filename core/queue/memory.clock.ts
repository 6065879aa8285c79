// The in-process queue reads time and sets timers only through this, so tests can drive it.

export type TimerHandle = unknown;

export interface QueueClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: QueueClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface Timer {
  cancel(): void;
}

// Node fires longer timeouts at once; a yearly cron or a long delay must wait in steps instead.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Calls `fn` at time `at` (clock time, ms), or soon when `at` has passed. */
export function startTimer(clock: QueueClock, at: number, fn: () => void): Timer {
  let handle: TimerHandle;
  const arm = (): void => {
    const wait = at - clock.now();
    handle = clock.setTimeout(
      () => (clock.now() >= at ? fn() : arm()),
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
    timer = startTimer(clock, clock.now() + ms, resolve);
  });
  return { done, timer };
}
