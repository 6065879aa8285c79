import { sql, type Transaction } from 'kysely';
import type { PolledRecord } from '../../connectors/sdk/connector.types.ts';
import type { Database } from '../db/database.types.ts';
import { payloadHash } from '../events/payload-hash.ts';
import type { RunProgress } from './run.repository.ts';
import { addProgress } from './run.repository.ts';

const CHUNK = 500;

export interface PageToStore {
  tenantId: string;
  integrationId: string;
  stream: string;
  runId: string;
  records: PolledRecord[];
  cursor: unknown;
  now: Date;
}

export interface StoredPage extends RunProgress {
  /** Events created for new or changed records, to be dispatched once committed. */
  eventIds: string[];
  /** Hashes of the page's records in order, for the run's payload hash. */
  hashes: string[];
}

/**
 * Stores one page in the caller's transaction: records upserted in chunks and deduplicated by
 * (integration, stream, external id, payload hash); one event per new or changed record; the
 * cursor saved with them, so a crash after commit resumes after this page and a crash before
 * commit re-reads it without duplicates.
 */
export async function storePage(trx: Transaction<Database>, page: PageToStore): Promise<StoredPage> {
  // The last copy wins when upstream returns one record twice in a page.
  const latest = new Map<string, { record: PolledRecord; hash: string }>();
  const hashes: string[] = [];
  for (const record of page.records) {
    const hash = payloadHash(record.payload);
    hashes.push(hash);
    latest.set(record.externalId, { record, hash });
  }
  const unique = [...latest.values()];
  const eventIds: string[] = [];
  let recordsNew = 0;
  let recordsChanged = 0;

  for (let start = 0; start < unique.length; start += CHUNK) {
    const chunk = unique.slice(start, start + CHUNK);
    // Rows travel as one JSON parameter per statement (json_to_recordset): serialised once by
    // JSON.stringify instead of a bound parameter per cell for the query builder to compile.
    const candidates = JSON.stringify(chunk.map(({ record, hash }) => ({ external_id: record.externalId, payload_hash: hash })));
    const { rows: changed } = await sql<{ external_id: string; payload_hash: string; inserted: boolean }>`
      insert into integration_records (tenant_id, integration_id, stream, external_id, payload_hash, changed_at)
      select ${page.tenantId}::uuid, ${page.integrationId}::uuid, ${page.stream}, external_id, payload_hash, ${page.now}::timestamptz
      from json_to_recordset(${candidates}::json) as chunk(external_id text, payload_hash text)
      on conflict (integration_id, stream, external_id) do update
        set payload_hash = excluded.payload_hash, changed_at = excluded.changed_at
        where integration_records.payload_hash <> excluded.payload_hash
      -- xmax is 0 for a freshly inserted row and set for an updated one.
      returning external_id, payload_hash, xmax = 0 as inserted`.execute(trx);
    if (changed.length === 0) continue;

    const byId = new Map(chunk.map((entry) => [entry.record.externalId, entry.record]));
    const events = JSON.stringify(
      changed.map((row) => {
        if (row.inserted) recordsNew += 1;
        else recordsChanged += 1;
        return {
          type: `${page.stream}.${row.inserted ? 'created' : 'updated'}`,
          external_id: row.external_id,
          payload: byId.get(row.external_id)?.payload ?? {},
          payload_hash: row.payload_hash,
          dedupe_key: `poll:${page.stream}:${row.external_id}:${row.payload_hash}`,
        };
      }),
    );
    const { rows: inserted } = await sql<{ id: string }>`
      insert into integration_events (tenant_id, integration_id, run_id, source, stream, type, external_id, payload, payload_hash, dedupe_key, status)
      select ${page.tenantId}::uuid, ${page.integrationId}::uuid, ${page.runId}::uuid, 'poll', ${page.stream}, type, external_id, payload, payload_hash, dedupe_key, 'pending'
      from json_to_recordset(${events}::json) as chunk(type text, external_id text, payload jsonb, payload_hash text, dedupe_key text)
      on conflict (integration_id, dedupe_key) do nothing
      returning id`.execute(trx);
    eventIds.push(...inserted.map((event) => event.id));
  }

  await trx
    .insertInto('integration_cursors')
    .values({
      tenant_id: page.tenantId,
      integration_id: page.integrationId,
      stream: page.stream,
      cursor: JSON.stringify(page.cursor ?? null),
      run_id: page.runId,
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
  await addProgress(trx, page.runId, progress, page.now);
  return { ...progress, eventIds, hashes };
}

export async function loadCursor(db: Transaction<Database> | import('kysely').Kysely<Database>, integrationId: string, stream: string): Promise<unknown> {
  const row = await db
    .selectFrom('integration_cursors')
    .select('cursor')
    .where('integration_id', '=', integrationId)
    .where('stream', '=', stream)
    .executeTakeFirst();
  return row?.cursor ?? undefined;
}
