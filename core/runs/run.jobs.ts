import type { HubContext } from '../server/hub-context.ts';

export const RUN_QUEUE = 'runs';

/** Executes one run row by id: polls and actions alike, whoever enqueued it. */
export interface RunJob {
  runId: string;
}

export async function enqueueRun(hub: HubContext, runId: string, delayMs = 0): Promise<void> {
  await hub.queue.add<RunJob>(RUN_QUEUE, 'run', { runId }, delayMs > 0 ? { delayMs } : {});
}
