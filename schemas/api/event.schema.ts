import { z } from 'zod';
import { keysetPageQuery, Timestamp } from './common.schema.ts';

export const Event = z.object({
  id: z.uuid(),
  integrationId: z.uuid(),
  runId: z.uuid().nullable(),
  source: z.enum(['poll', 'webhook', 'system']),
  stream: z.string().nullable(),
  type: z.string(),
  externalId: z.string().nullable(),
  payload: z.unknown(),
  payloadHash: z.string(),
  status: z.enum(['pending', 'processed', 'failed']),
  receivedAt: Timestamp,
  processedAt: Timestamp.nullable(),
  error: z.string().nullable().describe('why routing failed, for a failed event'),
});
export type Event = z.infer<typeof Event>;

export const EventList = z.object({
  events: z
    .array(Event)
    .describe('newest first; fewer than `limit` when the payloads are large (a page carries a few MB of them, and always at least one event): page on from the last one'),
});

/** The answer to a replay: the event, and what became of its failed route actions. */
export const ReplayedEvent = Event.extend({
  replay: z.object({
    failedActionsRetried: z.number().int().describe('failed or cancelled route actions queued to run again'),
    failedActionsNotRetried: z.number().int().describe('failed route actions left failed: their route was deleted, disabled or no longer matches the event'),
  }),
});

export const EventQuery = keysetPageQuery(
  { item: 'event', items: 'events', time: 'receivedAt' },
  {
    integrationId: z.uuid().optional(),
    runId: z.uuid().optional().describe('the events a poll run stored'),
    type: z.string().min(1).optional().describe('exact, or a prefix ending in *'),
    status: Event.shape.status.optional(),
    source: Event.shape.source.optional(),
  },
);
export type EventQuery = z.infer<typeof EventQuery>;
