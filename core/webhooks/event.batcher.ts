import { sql, type Insertable } from 'kysely';
import type { IntegrationEventsTable } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';

export type NewEvent = Insertable<IntegrationEventsTable>;

export interface InsertedEvent {
  /** The new event's id, or undefined when an event with the same dedupe key already existed. */
  id: string | undefined;
}

interface Pending {
  event: NewEvent;
  resolve: (result: InsertedEvent) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 500;
// A few INSERTs may be in flight at once: PostgreSQL commits them together (group commit in the
// WAL), and one slow fsync then does not hold every waiting delivery.
const MAX_IN_FLIGHT = 8;

/**
 * Group commit for inbound events: while one INSERT is in flight, concurrent requests queue up and
 * go together in the next one. Each request still waits for its own row to be committed, but the
 * database sees one statement per batch instead of one per request.
 */
const column = <K extends keyof NewEvent>(events: NewEvent[], key: K) => events.map((event) => event[key] ?? null);

/**
 * One INSERT of any number of rows with nine array parameters (unnest): the statement's cost does
 * not grow with the batch, where a VALUES list builds and sends one parameter per cell.
 */
async function insertEvents(hub: Pick<HubContext, 'db'>, events: NewEvent[]) {
  const { rows } = await sql<{ id: string; integration_id: string; dedupe_key: string }>`
    insert into integration_events (tenant_id, integration_id, source, type, external_id, payload, payload_hash, dedupe_key, status)
    select * from unnest(
      ${column(events, 'tenant_id')}::uuid[], ${column(events, 'integration_id')}::uuid[], ${column(events, 'source')}::text[],
      ${column(events, 'type')}::text[], ${column(events, 'external_id')}::text[], ${column(events, 'payload')}::jsonb[],
      ${column(events, 'payload_hash')}::text[], ${column(events, 'dedupe_key')}::text[], ${column(events, 'status')}::text[])
    on conflict (integration_id, dedupe_key) do nothing
    returning id, integration_id, dedupe_key`.execute(hub.db);
  return rows;
}

export function createEventBatcher(hub: Pick<HubContext, 'db'>): { insert(event: NewEvent): Promise<InsertedEvent> } {
  let queue: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;

  function schedule(): void {
    if (scheduled || inFlight >= MAX_IN_FLIGHT || queue.length === 0) return;
    scheduled = true;
    // Let requests arriving in the same turn of the event loop join this batch.
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  }

  async function flush(): Promise<void> {
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(MAX_BATCH);
    if (batch.length === 0) return;
    inFlight += 1;
    schedule();
    try {
      const rows = await insertEvents(hub, batch.map((pending) => pending.event));
      const inserted = new Map(rows.map((row) => [`${row.integration_id}\n${row.dedupe_key}`, row.id]));
      for (const pending of batch) {
        const key = `${pending.event.integration_id}\n${pending.event.dedupe_key}`;
        // The first request with a key gets the row; identical ones in the same batch are duplicates.
        const id = inserted.get(key);
        inserted.delete(key);
        pending.resolve({ id });
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      inFlight -= 1;
      schedule();
    }
  }

  return {
    insert(event) {
      return new Promise<InsertedEvent>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        schedule();
      });
    },
  };
}
