import { sql } from 'kysely';
import { boundedChunks } from '../db/bounded-chunks.ts';
import { isoMicros } from '../db/keyset.ts';
import type { HubContext } from '../server/hub-context.ts';
import { EVENT_SUMMARY_COLUMNS, matchingEvents, type EventFilter, type ListedEvent } from './event.query.ts';

/**
 * Payload bytes one answer of GET /api/events carries. A webhook body may be 1 MB and polled
 * records can be as large: a page of 500 whole events was hundreds of megabytes read, parsed and
 * serialised at once (several times that as JavaScript objects), and failed. 4 MB holds a page of
 * ordinary events (a few kilobytes each) whole and at least three of the largest webhooks, and
 * keeps a few list requests at once well within one process's memory.
 */
export const EVENT_PAGE_PAYLOAD_BYTES = 4 * 1024 * 1024;


/**
 * The events `filter` names, newest first, as many of its `limit` as fit `payloadBytes`, and always
 * the first, however large, so a client paging on from the last event (`before`, `beforeId`)
 * always advances and reaches every event once.
 */
export async function listEventPage(hub: HubContext, tenantId: string, filter: EventFilter, payloadBytes = EVENT_PAGE_PAYLOAD_BYTES): Promise<ListedEvent[]> {
  const page = await readPage(hub, tenantId, filter, payloadBytes);
  // Every event kept was removed between the two reads (history retention, an integration deleted):
  // an empty page tells a client there is nothing older, so read again from the same place.
  return page ?? (await readPage(hub, tenantId, filter, payloadBytes)) ?? [];
}

/** The page, or undefined when every event it kept was gone by the time its payloads were read. */
async function readPage(hub: HubContext, tenantId: string, filter: EventFilter, payloadBytes: number): Promise<ListedEvent[] | undefined> {
  const candidates = await sizedEvents(hub, tenantId, filter);
  const [kept = []] = boundedChunks(candidates, (event) => ({ count: 1, chars: event.payload_bytes }), { count: candidates.length, chars: payloadBytes });
  if (kept.length === 0) return [];
  const payloads = await hub.db
    .selectFrom('integration_events')
    .select(['id', 'payload'])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', kept.map((event) => event.id))
    .execute();
  const payloadOf = new Map(payloads.map((row) => [row.id, row.payload]));
  // An event removed in between (history retention, its integration deleted) is no longer listed.
  const listed = kept.flatMap(({ payload_bytes: _, ...event }) => (payloadOf.has(event.id) ? [{ ...event, payload: payloadOf.get(event.id)! }] : []));
  return listed.length > 0 ? listed : undefined;
}

/**
 * The page's events without payloads, each with its payload's size as JSON text (an upper bound of
 * what it takes in the answer). Measured outside the filtered query so that only the page's rows
 * are measured, whatever plan PostgreSQL picks for the filter.
 */
function sizedEvents(hub: HubContext, tenantId: string, filter: EventFilter) {
  const page = matchingEvents(hub, tenantId, filter).selectAll().select(isoMicros('received_at').as('received_at_iso'));
  return hub.db
    .selectFrom(page.as('page'))
    .select([...EVENT_SUMMARY_COLUMNS, 'received_at_iso'])
    .select(sql<number>`octet_length(payload::text)`.as('payload_bytes'))
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}
