import { settlesWithin } from '../timing/deadline.ts';
import type { HubContext } from '../server/hub-context.ts';
import { enqueueRun, dispatchRuns } from './run.jobs.ts';
import { handBackRun, type RunAttempt } from './run.repository.ts';

// On a graceful stop, a poll in flight is cut short and handed back rather than finished: its
// committed pages and cursor stay, and the run goes back to queued for another process (or this
// one, restarted), which goes on from the last committed page. Finishing it instead would hold the
// stop for its whole budget, and a poll still running at the end of it would wait a lease for the
// reconciler. Actions are not cut: one stopped mid-request may have acted upstream.

/** The reason a poll's connector context is aborted with. */
export class HubStoppingError extends Error {
  override name = 'HubStoppingError';
  constructor() {
    super('the hub process is stopping; the run is handed to another process');
  }
}

// A process that stops no new run would wait behind: this long before its job comes up again.
const NOT_STARTED_RETRY_MS = 1_000;

interface HandOver {
  controller: AbortController;
  polls: Set<Promise<void>>;
}

const handOvers = new WeakMap<HubContext, HandOver>();

function handOverOf(hub: HubContext): HandOver {
  let state = handOvers.get(hub);
  if (!state) {
    state = { controller: new AbortController(), polls: new Set() };
    handOvers.set(hub, state);
  }
  return state;
}

/** Aborted when this process starts handing its polls over: the signal of every poll's connector context. */
export function pollStopSignal(hub: HubContext): AbortSignal {
  return handOverOf(hub).controller.signal;
}

/** Whether this process is stopping: it starts no new run. */
export function handingOver(hub: HubContext): boolean {
  return pollStopSignal(hub).aborted;
}

/** Runs `poll`, so a stop can wait for it to be handed back. */
export async function trackPoll(hub: HubContext, poll: Promise<void>): Promise<void> {
  const { polls } = handOverOf(hub);
  polls.add(poll);
  try {
    await poll;
  } finally {
    polls.delete(poll);
  }
}

/** Back to queued and on the queue, for whichever process takes it next. */
export async function handBack(hub: HubContext, run: RunAttempt): Promise<void> {
  if (!(await handBackRun(hub.db, run))) return;
  hub.logger.info({ runId: run.id, attempt: run.attempts }, 'poll handed back on stop; another process goes on from its last committed page');
  await dispatchRuns(hub, [run.id]);
}

/** A run this stopping process will not start: its job comes up again shortly, for another process. */
export async function leaveForLater(hub: HubContext, runId: string): Promise<void> {
  // The queue may refuse it once it is closing; the reconciler then dispatches the queued run.
  await enqueueRun(hub, runId, NOT_STARTED_RETRY_MS).catch(() => undefined);
}

/**
 * Cuts the polls in flight short and waits up to `timeoutMs` for them to be handed back, while the
 * queue still takes their jobs.
 */
export async function handOverPolls(hub: HubContext, timeoutMs: number): Promise<void> {
  const { controller, polls } = handOverOf(hub);
  controller.abort(new HubStoppingError());
  await settlesWithin(Promise.allSettled([...polls]), timeoutMs);
}
