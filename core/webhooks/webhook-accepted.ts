import type { InsertedEvent } from './event.batcher.ts';

/**
 * The 202 answer to a delivery to POST /hooks/:integrationId. A sender that lost the first answer
 * (a timeout, a dropped connection) and sends the delivery again gets the same `eventIds`, so it
 * can always record which events its delivery became; `duplicateEventIds` tells it this time
 * stored nothing new for them.
 */
export interface WebhookAccepted {
  /** Events this request stored. */
  accepted: number;
  /** Events of the delivery stored before (by an earlier copy, or by a copy arriving beside it). */
  duplicates: number;
  /** Every event the delivery stands for, in the order the connector read them from it, new and stored before alike. */
  eventIds: string[];
  /** The ids in `eventIds` that were stored before, in the same order. */
  duplicateEventIds: string[];
}

export function webhookAccepted(results: readonly InsertedEvent[]): WebhookAccepted {
  const eventIds = results.map((result) => result.id);
  const duplicateEventIds = results.flatMap((result) => (result.created ? [] : [result.id]));
  return { accepted: results.length - duplicateEventIds.length, duplicates: duplicateEventIds.length, eventIds, duplicateEventIds };
}
