import type { EventRow } from '../db/database.types.ts';
import type { Event } from '../../schemas/api/event.schema.ts';

/**
 * `received_at_iso`, when the query selected it, keeps the microseconds PostgreSQL stored, so a
 * listed event's `receivedAt` is exactly where the next page starts (`before`).
 */
export function toEvent(row: EventRow & { received_at_iso?: string }): Event {
  return {
    id: row.id,
    integrationId: row.integration_id,
    runId: row.run_id,
    source: row.source,
    stream: row.stream,
    type: row.type,
    externalId: row.external_id,
    payload: row.payload,
    payloadHash: row.payload_hash,
    status: row.status,
    receivedAt: row.received_at_iso ?? row.received_at.toISOString(),
    processedAt: row.processed_at?.toISOString() ?? null,
    error: row.error,
  };
}
