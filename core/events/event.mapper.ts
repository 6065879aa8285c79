import type { EventRow } from '../db/database.types.ts';
import type { Event } from '../../schemas/api/event.schema.ts';

export function toEvent(row: EventRow): Event {
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
    receivedAt: row.received_at.toISOString(),
    processedAt: row.processed_at?.toISOString() ?? null,
  };
}
