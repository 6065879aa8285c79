// Retry-After (RFC 9110 §10.2.3) is either delay-seconds or an HTTP date. A date is converted
// against the injected clock so tests, and hosts with skewed clocks, get a stable answer.

const DELAY_SECONDS = /^\d+$/;
/** All three HTTP-date forms start with a day name; Date.parse alone accepts "-5" or "1.5". */
const HTTP_DATE = /^(mon|tue|wed|thu|fri|sat|sun)/i;

/** Milliseconds to wait, or undefined when the header is absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (DELAY_SECONDS.test(trimmed)) return Number(trimmed) * 1000;
  if (!HTTP_DATE.test(trimmed)) return undefined;
  // IMF-fixdate and RFC 850 dates end in GMT; the asctime form has no zone and is GMT too, where
  // Date.parse alone would read it in the host's zone.
  const at = Date.parse(/gmt$/i.test(trimmed) ? trimmed : `${trimmed} GMT`);
  if (Number.isNaN(at)) return undefined;
  // A date in the past means "now": never a negative wait.
  return Math.max(0, at - now.getTime());
}
