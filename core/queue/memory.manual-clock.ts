// A clock for tests of the in-process queue: time moves only when the test says so, and the wall
// clock can be stepped (an NTP correction, a host's clock set by hand) apart from elapsed time.
import type { QueueClock } from './memory.clock.ts';

export interface ManualClock {
  clock: QueueClock;
  /** Lets `ms` pass, running the timers that come due, in order. */
  advance(ms: number): Promise<void>;
  /** Moves the wall clock by `ms` (back when negative); elapsed time and timers are untouched. */
  stepWall(ms: number): void;
}

export function manualClock(wallStart: number): ManualClock {
  let wall = wallStart;
  let elapsed = 0;
  let nextHandle = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: QueueClock = {
    now: () => wall,
    elapsed: () => elapsed,
    setTimeout: (fn, ms) => {
      nextHandle += 1;
      timers.set(nextHandle, { at: elapsed + ms, fn });
      return nextHandle;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
  };
  // Handlers are async: let their promise chains settle between timers.
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  async function advance(ms: number): Promise<void> {
    const end = elapsed + ms;
    for (;;) {
      await settle();
      const due = [...timers].filter(([, t]) => t.at <= end).sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
      if (!due) break;
      timers.delete(due[0]);
      const passed = Math.max(0, due[1].at - elapsed);
      elapsed += passed;
      wall += passed;
      due[1].fn();
    }
    wall += end - elapsed;
    elapsed = end;
    await settle();
  }
  return { clock, advance, stepWall: (ms) => void (wall += ms) };
}
