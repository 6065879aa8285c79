// Which run a scheduled fire makes: every fire of one window (two processes, a retry, the poll
// queued when a schedule is switched on) makes the same idempotency key, so the same one run.

/**
 * The window a fire due at `dueAt` belongs to: `everyMs` long (a minute for cron schedules), counted
 * from `from` (ms since the epoch). An interval schedule counts from when it was written, because a
 * new or changed one is fired at once: counted from the epoch, that fire could share a window with
 * a poll made shortly before (before a pause, under another interval) and make no run. A write that
 * keeps the queue's grid (a rename) moves the count too, harmlessly: a fire's window starts within
 * the interval before it, and the fires of one grid are an interval apart: each has a window of its own.
 */
export function windowStart(dueAt: Date, everyMs: number | undefined, from = 0): Date {
  const size = everyMs ?? 60_000;
  return new Date(from + Math.floor((dueAt.getTime() - from) / size) * size);
}

/** The idempotency key of the scheduled run of a window. */
export function scheduledRunKey(integrationId: string, stream: string, window: Date): string {
  return `${integrationId}:${stream}:${window.toISOString()}`;
}
