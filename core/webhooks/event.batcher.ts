import { sql } from 'kysely';
import { isDataException, isForeignKeyViolation, isProgramLimitExceeded } from '../db/postgres-errors.ts';
import { preparedStatement } from '../db/prepared-statements.ts';
import { timeOrderedId } from '../db/time-ordered-id.ts';
import { sha256 } from '../events/payload-hash.ts';
import { routingStatus } from '../events/routing-status.ts';
import type { HubContext } from '../server/hub-context.ts';

/** An inbound event row as the batcher takes it: the payload as a value, not yet serialised. */
export interface NewEvent {
  /** Given by the batcher: a time-ordered id (core/db/time-ordered-id.ts). */
  id?: string;
  tenant_id: string;
  integration_id: string;
  source: 'webhook';
  type: string;
  external_id?: string | null;
  payload: unknown;
  payload_hash: string;
  dedupe_key: string;
  status: 'pending' | 'processed';
}

export interface InsertedEvent {
  /** The event the delivery stands for: the row this insert stored, or the one stored before under its dedupe key. */
  id: string;
  /** This insert stored it (false: a duplicate of an event stored before, or by another copy in its batch). */
  created: boolean;
  /** The new event waits for routing (false: a duplicate, or its tenant has no enabled route, or it needs none). */
  pending: boolean;
}

interface Pending {
  event: NewEvent;
  resolve: (result: InsertedEvent) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 500;
// Deliveries arriving while an INSERT is in flight wait for it and go together in the next, so
// batches grow with the load: PostgreSQL spends far less CPU per row on a few large batches than on
// many small concurrent ones (measured at 64 connections: ~13-row batches with 8 in flight cost
// 82–102 µs of PostgreSQL CPU per delivery, ~30-row ones 54–78 µs). Waiting stops paying once a
// batch's worth has gathered: from OVERLAP_BATCH waiting deliveries, the next INSERT starts beside
// the one in flight, so its commit (an fsync of a millisecond or more) overlaps the other's instead
// of following it. A commit still running after SLOW_COMMIT_MS (a slow fsync, a lock) lets even a
// small batch start beside it, so one stuck statement does not hold every delivery. At most
// MAX_IN_FLIGHT INSERTs run at once.
export const OVERLAP_BATCH = 16;
const SLOW_COMMIT_MS = 20;
const MAX_IN_FLIGHT = 4;
// A btree entry holds at most about 2.7 kB, and senders choose their delivery ids: a key past that
// would fail the INSERT of every delivery batched with it (54000). Longer keys are stored hashed.
const MAX_DEDUPE_KEY_LENGTH = 256;

/** The dedupe key as stored: itself, or its hash when too long for the unique index. */
function storableDedupeKey(key: string): string {
  return key.length <= MAX_DEDUPE_KEY_LENGTH ? key : `sha256:${sha256(key)}`;
}

/**
 * One INSERT of any number of rows from a single JSON parameter: the batch is serialised once by
 * JSON.stringify, where a VALUES list sends one parameter per cell and array parameters make the
 * driver escape every payload into an array literal (which cost more than the rest of a delivery).
 */
async function insertEvents(hub: Pick<HubContext, 'db'>, events: NewEvent[]) {
  const { rows } = await sql<{ id: string; integration_id: string; dedupe_key: string; status: string }>`${preparedStatement('insert_inbound_events')}
    with batch as (
      select batch.*, ${routingStatus(sql.ref('batch.tenant_id'), sql.ref('batch.status'))} as routed_status
      from json_to_recordset(${JSON.stringify(events)}::json) as batch(
        id uuid, tenant_id uuid, integration_id uuid, source text, type text, external_id text, payload jsonb,
        payload_hash text, dedupe_key text, status text)
    )
    insert into integration_events (id, tenant_id, integration_id, source, type, external_id, payload, payload_hash, dedupe_key, status, processed_at)
    select id, tenant_id, integration_id, source, type, external_id, payload, payload_hash, dedupe_key, routed_status,
      case when routed_status = 'processed' then now() end
    from batch
    -- Rows go in key order: two batches in flight holding some of the same keys (a burst and its
    -- redelivery) would otherwise each wait on a key the other inserted first, and deadlock.
    order by integration_id, dedupe_key
    on conflict (integration_id, dedupe_key) do nothing
    returning id, integration_id, dedupe_key, status`.execute(hub.db);
  return rows;
}

/** Where an event goes in the unique index: rows and events with the same slot are one event. */
function slotOf(event: { integration_id: string; dedupe_key: string }): string {
  return `${event.integration_id}\n${event.dedupe_key}`;
}

/**
 * The ids of the events stored under these events' dedupe keys, by slot. Run only for rows an INSERT
 * skipped: the INSERT waited for any transaction inserting the same key to end, so a new statement
 * sees the row that won.
 */
async function findStoredEvents(hub: Pick<HubContext, 'db'>, events: NewEvent[]): Promise<Map<string, string>> {
  const keys = [...new Map(events.map((event) => [slotOf(event), { tenant_id: event.tenant_id, integration_id: event.integration_id, dedupe_key: event.dedupe_key }])).values()];
  const { rows } = await sql<{ id: string; integration_id: string; dedupe_key: string }>`${preparedStatement('find_inbound_events')}
    select event.id, event.integration_id, event.dedupe_key
    from json_to_recordset(${JSON.stringify(keys)}::json) as wanted(tenant_id uuid, integration_id uuid, dedupe_key text)
    join integration_events as event
      on event.integration_id = wanted.integration_id and event.dedupe_key = wanted.dedupe_key and event.tenant_id = wanted.tenant_id`.execute(hub.db);
  return new Map(rows.map((row) => [slotOf(row), row.id]));
}

/**
 * An error that one row can cause for the whole statement: a value PostgreSQL refuses (or cannot
 * parse within its limits, such as JSON nested thousands deep), or an integration deleted while its
 * delivery waited (its cached row outlives the deletion by seconds).
 */
export function isRowRefused(error: unknown): boolean {
  return isDataException(error) || isForeignKeyViolation(error) || isProgramLimitExceeded(error) || isTooDeep(error);
}

/** JSON nested deeper than the stack allows, found while serialising the batch. */
export function isTooDeep(error: unknown): boolean {
  return error instanceof RangeError;
}

/**
 * Group commit for inbound events: while an INSERT is in flight, concurrent requests queue up and
 * go together in the next one (OVERLAP_BATCH says when the next one need not wait). Each request
 * still waits for its own row to be committed, but the database sees one statement per batch
 * instead of one per request.
 */
export function createEventBatcher(
  hub: Pick<HubContext, 'db'>,
  { slowCommitMs = SLOW_COMMIT_MS }: { slowCommitMs?: number } = {},
): { insert(event: NewEvent): Promise<InsertedEvent> } {
  let queue: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;
  /** When the newest batch in flight was sent. */
  let lastSentAt = 0;
  let slowCheck: NodeJS.Timeout | undefined;

  function schedule(): void {
    if (scheduled || inFlight >= MAX_IN_FLIGHT || queue.length === 0) return;
    const sinceSent = performance.now() - lastSentAt;
    if (inFlight > 0 && queue.length < OVERLAP_BATCH && sinceSent < slowCommitMs) {
      // Wait for the batch in flight; look again if it turns out slow.
      slowCheck ??= setTimeout(() => {
        slowCheck = undefined;
        schedule();
      }, slowCommitMs - sinceSent).unref();
      return;
    }
    scheduled = true;
    // Let requests arriving in the same turn of the event loop join this batch.
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  }

  function settle(batch: Pending[], rows: Awaited<ReturnType<typeof insertEvents>>): void {
    const inserted = new Map(rows.map((row) => [slotOf(row), row]));
    const skipped: Pending[] = [];
    for (const pending of batch) {
      const row = inserted.get(slotOf(pending.event));
      if (!row) {
        skipped.push(pending);
        continue;
      }
      // Of identical requests in one batch, the one whose row went in stored it; the others are its duplicates.
      const created = row.id === pending.event.id;
      pending.resolve({ id: row.id, created, pending: created && row.status === 'pending' });
    }
    // Answered apart from the rest of their batch: a new event does not wait for another's lookup.
    if (skipped.length > 0) void settleDuplicates(skipped);
  }

  /** Rows the INSERT skipped (their key was taken): one lookup for the batch finds the events they duplicate. */
  async function settleDuplicates(skipped: Pending[]): Promise<void> {
    let stored;
    try {
      stored = await findStoredEvents(hub, skipped.map((pending) => pending.event));
    } catch (error) {
      for (const pending of skipped) pending.reject(error);
      return;
    }
    for (const pending of skipped) {
      const id = stored.get(slotOf(pending.event));
      if (id) pending.resolve({ id, created: false, pending: false });
      // Removed since the INSERT met it (history retention, its integration deleted): it goes
      // again, and is stored anew (or refused with its integration) unless another copy is first,
      // which the next lookup finds.
      else queue.push(pending);
    }
    schedule();
  }

  async function insertAndSettle(batch: Pending[]): Promise<void> {
    settle(batch, await insertEvents(hub, batch.map((pending) => pending.event)));
  }

  /**
   * A row PostgreSQL refuses fails the whole statement, so one sender's bad payload (or deleted
   * integration) would fail the deliveries of others that shared its batch. The batch goes again in halves, and a refused half
   * is halved again until the refused deliveries stand alone: one bad row costs about 2·log₂(n)
   * statements, one after another, rather than n at once on the pool.
   */
  async function settleInHalves(batch: Pending[]): Promise<void> {
    const middle = Math.ceil(batch.length / 2);
    for (const half of [batch.slice(0, middle), batch.slice(middle)]) {
      try {
        await insertAndSettle(half);
      } catch (error) {
        await settleFailed(half, error);
      }
    }
  }

  /** After a failed INSERT: again in halves when one row may be to blame, else the error for each. */
  async function settleFailed(batch: Pending[], error: unknown): Promise<void> {
    if (batch.length > 1 && isRowRefused(error)) await settleInHalves(batch);
    else for (const pending of batch) pending.reject(error);
  }

  async function flush(): Promise<void> {
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(MAX_BATCH);
    if (batch.length === 0) return;
    inFlight += 1;
    lastSentAt = performance.now();
    schedule();
    let rows;
    try {
      rows = await insertEvents(hub, batch.map((pending) => pending.event));
    } catch (error) {
      try {
        await settleFailed(batch, error);
      } finally {
        inFlight -= 1;
        schedule();
      }
      return;
    }
    inFlight -= 1;
    // The deliveries that queued during this INSERT go to the database in this turn of the event
    // loop, not after a setImmediate: under load that would first handle every request that arrived
    // meanwhile (milliseconds), with the database idle. Measured under the bench's load, that idle
    // gap was a third of every commit cycle.
    if (!scheduled && queue.length > 0) void flush();
    else schedule();
    settle(batch, rows);
  }

  return {
    insert(event) {
      event.id ??= timeOrderedId();
      event.dedupe_key = storableDedupeKey(event.dedupe_key);
      return new Promise<InsertedEvent>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        schedule();
      });
    },
  };
}
