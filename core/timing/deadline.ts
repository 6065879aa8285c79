// Waiting with a time limit. The work waited on goes on past the limit either way: a promise cannot
// be cancelled, so each caller decides what to do about work it stopped waiting for.

export const LATE = Symbol('late');

/**
 * `work`'s value, or LATE when it has not settled within `ms`. A rejection within `ms` rejects; a
 * later one is ignored (the race has subscribed to it, so it is never unhandled).
 */
export async function resultWithin<T>(work: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when `work` settled (either way) within `ms`; never rejects. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  return (await resultWithin(settled, ms)) !== LATE;
}

/** `work`'s value; rejects with `lateError()` when it has not settled within `ms`. */
export async function withTimeout<T>(work: Promise<T>, ms: number, lateError: () => Error): Promise<T> {
  const result = await resultWithin(work, ms);
  if (result === LATE) throw lateError();
  return result;
}
