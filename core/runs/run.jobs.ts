import type { HubContext } from '../server/hub-context.ts';

export const RUN_QUEUE = 'runs';

/** Executes one run row by id: polls and actions alike, whoever enqueued it. */
export interface RunJob {
  runId: string;
}

export async function enqueueRun(hub: HubContext, runId: string, delayMs = 0): Promise<void> {
  await hub.queue.add<RunJob>(RUN_QUEUE, 'run', { runId }, delayMs > 0 ? { delayMs } : {});
}

/**
 * Puts committed runs on the queue for someone waiting on an answer (a sync request). The rows are
 * the source of truth: when the queue cannot take them now, the reconciler dispatches them once
 * they are overdue, so the request still succeeds rather than failing for work that will happen.
 */
export async function dispatchRuns(hub: HubContext, runIds: readonly string[]): Promise<void> {
  try {
    for (const runId of runIds) await enqueueRun(hub, runId);
  } catch (error) {
    hub.logger.warn({ err: error, runs: runIds.length }, 'could not enqueue runs; the reconciler will dispatch them');
  }
}
