// Waiting helpers for the queue contract. Tests poll with generous deadlines instead of sleeping
// a fixed time, so they stay fast on an idle machine and pass on a loaded one.

/** Timers and Redis timestamps have millisecond granularity and round either way. */
export const SLACK_MS = 15;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `assertion` until it stops throwing; after `timeoutMs` rethrows its last error. */
export async function eventually(
  assertion: () => void | Promise<void>,
  timeoutMs = 8_000,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(intervalMs);
    }
  }
}

/** A promise the test resolves by hand, to hold a handler in flight. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** Gaps between consecutive timestamps. */
export function gaps(times: number[]): number[] {
  return times.slice(1).map((time, i) => time - (times[i] ?? time));
}
