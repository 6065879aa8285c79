import { MAX_TIMER_MS } from '../config/config.schema.ts';
import type { Logger } from '../logging/logger.ts';

// Past the shutdown timeout the hub still gives the database a second to roll back, then closes
// it; anything beyond this much more means something the stop waits on will not finish (a query
// stuck in embedded PGlite's one connection, say), and waiting on would need a second signal.
const CLOSE_SLACK_MS = 5_000;

/**
 * Stops the hub and exits: 0 once stopped, 1 when the stop fails, and 1 with a warning when it is
 * still going `shutdownTimeoutMs` plus a few seconds after it began.
 */
export function stopThenExit(stop: () => Promise<void>, shutdownTimeoutMs: number, logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  // Node fires a timer past 2^31-1 ms at once: a timeout set near that limit must not cut every stop short.
  const budgetMs = Math.min(shutdownTimeoutMs + CLOSE_SLACK_MS, MAX_TIMER_MS);
  const stuck = setTimeout(() => {
    logger.warn({ budgetMs }, 'the shutdown did not finish within its time: exiting without waiting');
    exit(1);
  }, budgetMs);
  // Not unref'd: a stop that waits on a bare promise (a query queued behind embedded PGlite's one
  // connection) holds nothing open, and the process would exit 0 as if it had stopped cleanly.
  stop().then(
    () => {
      clearTimeout(stuck);
      exit(0);
    },
    (error: unknown) => {
      clearTimeout(stuck);
      logger.error({ err: error }, 'shutdown failed');
      exit(1);
    },
  );
}
