// Slack needs the HTTP answer to a command or button within 3 seconds, shows the person
// "dispatch_failed" otherwise, and ignores anything sent later on that request; later replies go
// to response_url. A reply ready within INLINE_REPLY_MS of the request's arrival goes in the HTTP
// answer. After that the listener answers "working on it" and sends the reply to response_url.
// The receiver's bare 200 at ANSWER_WITHIN_MS only catches a listener that never acknowledges;
// the half second between the two leaves the listener's own answer room to get out first.

export const INLINE_REPLY_MS = 2_000;
export const ANSWER_WITHIN_MS = 2_500;

export type ByDeadline<T> = { done: true; value: T } | { done: false };

/**
 * Waits for `work` until `deadline` (epoch ms). Past it, `work` keeps running for the caller to
 * await again; a rejection before it rejects here, as `work` would.
 */
export async function doneBy<T>(work: Promise<T>, deadline: number): Promise<ByDeadline<T>> {
  // Asked only once the deadline has gone (a listener run after a slow recording), work that is
  // already done would still win the race below: its reply would go into an answer already sent.
  if (Date.now() >= deadline) {
    // A failure is the caller's to read when it awaits `work` again, not an unhandled rejection meanwhile.
    work.catch(() => {});
    return { done: false };
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ByDeadline<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then((value): ByDeadline<T> => ({ done: true, value })), late]);
  } finally {
    clearTimeout(timer);
  }
}
