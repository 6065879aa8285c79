import { sql, type Transaction } from 'kysely';
import type { PolledRecord } from '../../connectors/sdk/connector.types.ts';
import type { Database } from '../db/database.types.ts';
import { preparedStatement } from '../db/prepared-statements.ts';
import { timeOrderedId } from '../db/time-ordered-id.ts';
import { payloadHashOfStableText, sha256, stableStringify } from '../events/payload-hash.ts';
import { routingStatus } from '../events/routing-status.ts';
import { addProgress, type RunAttempt, type RunProgress } from './run.repository.ts';
import { mayHoldUnstorableText, storablePayload } from './storable-record.ts';

// Rows per statement: a whole page of the usual size in one.
const CHUNK = 1000;

export interface PageToStore {
  tenantId: string;
  integrationId: string;
  stream: string;
  /** The attempt storing the page: a page of an attempt that lost its run rolls back. */
  run: RunAttempt;
  records: PolledRecord[];
  cursor: unknown;
  now: Date;
  /**
   * The page is the first of a pass that reads the stream from the start (a full run's, on any
   * attempt): the run's payload hash starts again from it instead of going on from the row's.
   */
  restartsPayloadHash: boolean;
}

export interface StoredPage extends RunProgress {
  /** Events created for new or changed records that wait for routing, to be dispatched once committed. */
  eventIds: string[];
  /** Events created, whether they wait for routing or not. */
  eventsCreated: number;
  /** Records stored with U+FFFD in place of text PostgreSQL cannot hold (see storable-record.ts). */
  recordsMadeStorable: number;
}

/**
 * Stores one page in the caller's transaction: records upserted in chunks and deduplicated by
 * (integration, stream, external id, payload hash); one event per new or changed record; the
 * cursor saved with them, so a crash after commit resumes after this page and a crash before
 * commit re-reads it without duplicates. The run's progress is written last and only for the
 * attempt holding the run, which keeps the run row locked to commit: a reconciler take-over waits
 * for it, and a page of an attempt already taken over throws RunNotHeldError and rolls back. The
 * run's payload hash goes on with the page's in the same write (addProgress), so whichever attempt
 * stores the next page continues it.
 */
export async function storePage(trx: Transaction<Database>, page: PageToStore): Promise<StoredPage> {
  // The last copy wins when upstream returns one record twice in a page.
  const latest = new Map<string, { record: PolledRecord; hash: string }>();
  let hashes = '';
  let recordsMadeStorable = 0;
  for (const polled of page.records) {
    let record = polled;
    // payloadHash(), with the text it hashes checked on the way (storable-record.ts).
    let text = stableStringify(record.payload);
    if (mayHoldUnstorableText(text)) {
      const payload = storablePayload(record.payload);
      if (payload !== record.payload) {
        record = { ...record, payload };
        text = stableStringify(payload);
        recordsMadeStorable += 1;
      }
    }
    const hash = payloadHashOfStableText(text);
    hashes += hash;
    latest.set(record.externalId, { record, hash });
  }
  const unique = [...latest.values()];
  const eventIds: string[] = [];
  let eventsCreated = 0;
  let recordsNew = 0;
  let recordsChanged = 0;

  for (let start = 0; start < unique.length; start += CHUNK) {
    const chunk = unique.slice(start, start + CHUNK);
    // One statement per chunk: the records upsert reports which records are new or changed, and
    // only those become events. Rows travel as one JSON parameter (json_to_recordset), serialised
    // once by JSON.stringify instead of a bound parameter per cell; payloads are read as json and
    // turned into jsonb only for the records that changed.
    // Each record brings the id its event gets if it changed: time-ordered (core/db/time-ordered-id.ts).
    const rows = JSON.stringify(chunk.map(({ record, hash }) => ({ external_id: record.externalId, payload_hash: hash, payload: record.payload, event_id: timeOrderedId() })));
    const { rows: [result] } = await sql<{ created: number; updated: number; event_ids: string[]; events_created: number }>`${preparedStatement('store_polled_chunk')}
      with chunk as (
        select * from json_to_recordset(${rows}::json) as chunk(external_id text, payload_hash text, payload json, event_id uuid)
      ), changed as (
        insert into integration_records (tenant_id, integration_id, stream, external_id, payload_hash, changed_at)
        select ${page.tenantId}::uuid, ${page.integrationId}::uuid, ${page.stream}, external_id, payload_hash, ${page.now}::timestamptz from chunk
        on conflict (integration_id, stream, external_id) do update
          set payload_hash = excluded.payload_hash, changed_at = excluded.changed_at
          where integration_records.payload_hash <> excluded.payload_hash
        -- xmax is 0 for a freshly inserted row and set for an updated one.
        returning external_id, payload_hash, xmax = 0 as inserted
      ), status as (
        select ${routingStatus(sql`${page.tenantId}::uuid`, sql`'pending'`)} as value
      ), events as (
        insert into integration_events (id, tenant_id, integration_id, run_id, source, stream, type, external_id, payload, payload_hash, dedupe_key, status, processed_at)
        select chunk.event_id, ${page.tenantId}::uuid, ${page.integrationId}::uuid, ${page.run.id}::uuid, 'poll', ${page.stream},
          ${page.stream} || case when changed.inserted then '.created' else '.updated' end,
          changed.external_id, chunk.payload::jsonb, changed.payload_hash,
          -- Keyed by the new event itself: whether a record changed is decided above, against the
          -- version stored last, in this transaction. A key made of the payload hash would drop
          -- the event of a record changed back to an earlier version (an incident reopened).
          'poll:' || ${page.stream} || ':' || changed.external_id || ':' || chunk.event_id,
          status.value, case when status.value = 'processed' then now() end
        from changed join chunk on chunk.external_id = changed.external_id cross join status
        on conflict (integration_id, dedupe_key) do nothing
        returning id, status
      )
      select (select count(*) from changed where inserted)::int as created,
             (select count(*) from changed where not inserted)::int as updated,
             array(select id from events where status = 'pending')::text[] as event_ids,
             (select count(*) from events)::int as events_created`.execute(trx);
    recordsNew += result?.created ?? 0;
    recordsChanged += result?.updated ?? 0;
    eventIds.push(...(result?.event_ids ?? []));
    eventsCreated += result?.events_created ?? 0;
  }

  await trx
    .insertInto('integration_cursors')
    .values({
      tenant_id: page.tenantId,
      integration_id: page.integrationId,
      stream: page.stream,
      cursor: JSON.stringify(page.cursor ?? null),
      run_id: page.run.id,
      updated_at: page.now,
    })
    .onConflict((oc) =>
      oc.columns(['integration_id', 'stream']).doUpdateSet((eb) => ({
        cursor: eb.ref('excluded.cursor'),
        run_id: eb.ref('excluded.run_id'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();

  const progress = { pages: 1, recordsSeen: page.records.length, recordsNew, recordsChanged };
  // The page's digest covers every record it read, in order, repeats included.
  await addProgress(trx, page.run, progress, { digest: sha256(hashes), restart: page.restartsPayloadHash });
  return { ...progress, eventIds, eventsCreated, recordsMadeStorable };
}

export interface StoredCursor {
  cursor: unknown;
  /** The run whose page saved it. */
  runId: string | null;
}

/** The stream's cursor and the run that saved it; undefined before its first committed page. */
export async function loadCursor(db: Transaction<Database> | import('kysely').Kysely<Database>, integrationId: string, stream: string): Promise<StoredCursor | undefined> {
  const row = await db
    .selectFrom('integration_cursors')
    .select(['cursor', 'run_id'])
    .where('integration_id', '=', integrationId)
    .where('stream', '=', stream)
    .executeTakeFirst();
  return row ? { cursor: row.cursor ?? undefined, runId: row.run_id } : undefined;
}
