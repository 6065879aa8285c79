import type { HubContext } from '../server/hub-context.ts';

export const EVENT_QUEUE = 'events';
const JOB_SIZE = 200;

/** Routes a batch of committed events. */
export interface EventJob {
  eventIds: string[];
}

interface Buffer {
  ids: string[];
  flushed: Promise<void>;
}

// Events committed in the same turn of the event loop (a burst of webhooks, a polled page) share
// queue jobs: one enqueue per few hundred events instead of one per event.
const buffers = new WeakMap<HubContext, Buffer>();

async function flush(hub: HubContext, ids: string[]): Promise<void> {
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

/**
 * Hands committed events to the queue for routing. Resolves once they are enqueued (or the enqueue
 * failed and was logged); callers on a hot path need not wait.
 */
export function dispatchEvents(hub: HubContext, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return Promise.resolve();
  let buffer = buffers.get(hub);
  if (!buffer) {
    const ids: string[] = [];
    buffer = {
      ids,
      flushed: new Promise<void>((resolve) => {
        setImmediate(() => {
          buffers.delete(hub);
          void flush(hub, ids).then(resolve);
        });
      }),
    };
    buffers.set(hub, buffer);
  }
  buffer.ids.push(...eventIds);
  return buffer.flushed;
}
