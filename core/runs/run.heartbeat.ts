import type { HubContext } from '../server/hub-context.ts';
import { handingOver } from './run-handover.ts';
import { touchRun, type RunAttempt } from './run.repository.ts';

/** How often a running run proves it is alive; the reconciler takes over runs silent for a lease. */
function heartbeatEveryMs(hub: HubContext): number {
  return Math.max(200, Math.floor((hub.config.HUB_RUN_LEASE_SECONDS * 1000) / 3));
}

/**
 * Runs `work` while keeping the run's heartbeat fresh, so however long a poll pages or an action
 * waits on its upstream (a Retry-After, a slow API), the reconciler does not hand the run to a
 * second worker. Beats stop once the attempt no longer holds the run.
 */
export async function withHeartbeat<T>(hub: HubContext, run: RunAttempt, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    touchRun(hub.db, run)
      .then((held) => {
        if (held) return;
        clearInterval(timer);
        // A stopping process hands its polls back itself (run-handover.ts): a beat that lands just
        // after is no takeover.
        if (handingOver(hub)) return;
        hub.logger.warn({ runId: run.id, attempt: run.attempts }, 'run taken over after a stalled heartbeat; this attempt will record nothing');
      })
      // A missed beat is not fatal: the lease spans three of them.
      .catch(() => undefined);
  }, heartbeatEveryMs(hub));
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
