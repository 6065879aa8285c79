import type { EventRow } from '../db/database.types.ts';
import { isoMicros, olderThan, type KeysetCursor } from '../db/keyset.ts';
import type { HubContext } from '../server/hub-context.ts';

export const EVENT_STATUSES = ['pending', 'processed', 'failed'] as const;
export const EVENT_SOURCES = ['poll', 'webhook', 'system'] as const;

export interface EventFilter {
  integrationId?: string | undefined;
  runId?: string | undefined;
  /** Exact, or a prefix ending in `*` (`failure.*`), as in GET /api/events. */
  type?: string | undefined;
  status?: (typeof EVENT_STATUSES)[number] | undefined;
  source?: (typeof EVENT_SOURCES)[number] | undefined;
  /** Where the page starts in the newest-first order (received_at, then id); see core/db/keyset.ts. */
  before?: KeysetCursor | undefined;
  limit: number;
}

/** An event with `received_at` at full precision as an ISO string (UTC), for the next page's `before`. */
export type ListedEvent = EventRow & { received_at_iso: string };

function selectEvents(hub: HubContext, tenantId: string) {
  return hub.db.selectFrom('integration_events').selectAll().select(isoMicros('received_at').as('received_at_iso')).where('tenant_id', '=', tenantId);
}

/**
 * The events `filter` names, newest first, at most `filter.limit`; nothing selected yet. Every list
 * of events reads through here, so they all use the same indexes (event-list-plan.integration.test.ts).
 */
export function matchingEvents(hub: HubContext, tenantId: string, filter: EventFilter) {
  let select = hub.db.selectFrom('integration_events').where('tenant_id', '=', tenantId);
  if (filter.integrationId) select = select.where('integration_id', '=', filter.integrationId);
  if (filter.runId) select = select.where('run_id', '=', filter.runId);
  if (filter.status) select = select.where('status', '=', filter.status);
  if (filter.source) select = select.where('source', '=', filter.source);
  if (filter.type) {
    select = filter.type.endsWith('*')
      ? select.where('type', 'like', `${filter.type.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%`)
      : select.where('type', '=', filter.type);
  }
  if (filter.before) select = select.where(olderThan('received_at', filter.before));
  return select.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(filter.limit);
}

/** An event as a list shows it: everything but its payload, which may be a megabyte. */
export type EventSummary = Omit<ListedEvent, 'payload'>;

// Every column but the payload.
export const EVENT_SUMMARY_COLUMNS = ['id', 'tenant_id', 'integration_id', 'run_id', 'source', 'stream', 'type', 'external_id', 'payload_hash', 'dedupe_key', 'status', 'received_at', 'processed_at', 'replayed_at', 'attempts', 'error'] as const;

/**
 * `filter.limit` events without their payloads, for the admin UI's lists, which show none: read
 * whole, 50 events of large webhooks were 50 MB fetched to draw a table. GET /api/events returns
 * payloads, within a size per page (event-page.query.ts).
 */
export async function listEventSummaries(hub: HubContext, tenantId: string, filter: EventFilter): Promise<EventSummary[]> {
  return matchingEvents(hub, tenantId, filter).select(EVENT_SUMMARY_COLUMNS).select(isoMicros('received_at').as('received_at_iso')).execute();
}

export async function findEvent(hub: HubContext, tenantId: string, id: string): Promise<ListedEvent | undefined> {
  return selectEvents(hub, tenantId).where('id', '=', id).executeTakeFirst();
}
