import type { HubContext } from '../server/hub-context.ts';

export const EVENT_QUEUE = 'events';
const JOB_SIZE = 200;
// A quiet hub enqueues an event this soon after its commit: long enough for a burst to share a job.
const QUIET_GATHER_MS = 5;
// A busy one enqueues at most this often, so routing work arrives in jobs of many events; short
// against anything a person waits for.
const BUSY_INTERVAL_MS = 100;

/** Routes a batch of committed events. */
export interface EventJob {
  eventIds: string[];
}

interface Dispatcher {
  ids: string[];
  waiting: Array<() => void>;
  enqueueing: boolean;
  lastEnqueueAt: number;
}

// Group commit for the queue: one enqueue is in flight at a time, and events committed meanwhile
// (a burst of webhooks, a polled page) gather for the next one. A quiet hub enqueues each event
// within milliseconds; a busy one sends a job per 100 ms or few hundred events instead of one per
// handful, which keeps the workers' per-job cost (queue round trips and a few queries) and their
// competition for the CPU and the database off the per-event bill.
const dispatchers = new WeakMap<HubContext, Dispatcher>();

async function enqueue(hub: HubContext, ids: string[]): Promise<void> {
  try {
    for (let start = 0; start < ids.length; start += JOB_SIZE) {
      // No job id: a finished job's id stays taken for a while, which would swallow a replay, and
      // a second job for the same event is harmless since only a pending event is processed.
      await hub.queue.add<EventJob>(EVENT_QUEUE, 'route-events', { eventIds: ids.slice(start, start + JOB_SIZE) });
    }
  } catch (error) {
    // The rows are durable; the reconciler re-dispatches events left pending.
    hub.logger.warn({ err: error, events: ids.length }, 'could not enqueue events; the reconciler will dispatch them');
  }
}

async function drain(hub: HubContext, dispatcher: Dispatcher): Promise<void> {
  dispatcher.enqueueing = true;
  while (dispatcher.ids.length > 0) {
    const gather = Math.max(QUIET_GATHER_MS, BUSY_INTERVAL_MS - (performance.now() - dispatcher.lastEnqueueAt));
    await new Promise<void>((resolve) => setTimeout(resolve, gather));
    dispatcher.lastEnqueueAt = performance.now();
    const ids = dispatcher.ids.splice(0);
    const waiting = dispatcher.waiting.splice(0);
    await enqueue(hub, ids);
    for (const resolve of waiting) resolve();
  }
  dispatcher.enqueueing = false;
}

/**
 * Hands committed events to the queue for routing. Resolves once they are enqueued (or the enqueue
 * failed and was logged); callers on a hot path need not wait.
 */
export function dispatchEvents(hub: HubContext, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return Promise.resolve();
  const dispatcher = dispatchers.get(hub) ?? { ids: [], waiting: [], enqueueing: false, lastEnqueueAt: -Infinity };
  dispatchers.set(hub, dispatcher);
  dispatcher.ids.push(...eventIds);
  const done = new Promise<void>((resolve) => dispatcher.waiting.push(resolve));
  if (!dispatcher.enqueueing) void drain(hub, dispatcher);
  return done;
}
