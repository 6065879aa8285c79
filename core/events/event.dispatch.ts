import type { HubContext } from '../server/hub-context.ts';

export const EVENT_QUEUE = 'events';

export interface EventJob {
  eventId: string;
}

/**
 * Hands committed events to the queue for routing. The rows are already durable, so a failed
 * enqueue loses nothing: the reconciler re-dispatches events left pending. That is also why
 * callers need not wait for this.
 */
export function dispatchEvents(hub: HubContext, eventIds: readonly string[]): Promise<void> {
  return Promise.all(
    // No job id: a finished job's id stays taken for a while, which would swallow a replay, and a
    // second job for the same event is harmless since only a pending event is processed.
    eventIds.map((eventId) => hub.queue.add<EventJob>(EVENT_QUEUE, 'route-event', { eventId })),
  ).then(
    () => undefined,
    (error: unknown) => {
      hub.logger.warn({ err: error, events: eventIds.length }, 'could not enqueue events; the reconciler will dispatch them');
    },
  );
}
