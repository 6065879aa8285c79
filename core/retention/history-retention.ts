import { sql } from 'kysely';
import { isoMicros } from '../db/keyset.ts';
import type { HubContext } from '../server/hub-context.ts';

// History the hub writes without end: every webhook delivery and polled change is an event, every
// poll, action and check a run, every hour of every integration a health row. With
// HUB_HISTORY_RETENTION_DAYS set, the workers remove what is older, in small batches so no
// statement holds locks or the WAL for long, one tenant at a time over the indexes the lists use,
// each batch going on from where the last one stopped (so none walks again over what was removed).
// A pass stops after PASS_BUDGET_MS and the next one goes on: a first pass over years of history
// must not hold up the reconciler and the alerts that share the maintenance queue.
//
// Kept whatever their age: unfinished runs, and each integration's latest succeeded and latest
// failed run, which its health (last success, failing since) is read from; events still waiting to
// be routed, events replayed within the retention, and the event of any run kept (a route action
// held for a paused target reads its event when it fails, and replaying the event is how a failed
// action is tried again), with the runs of the event's other actions, whose keys keep its replay
// from repeating them. Tasks, the audit log, credentials history, cursors and the record ledger
// that dedupes polls are not history: nothing here touches them.

/** Rows per DELETE: a few hundred milliseconds of work at most, then the locks go. */
const BATCH = 2_000;
/** How long one pass works before it leaves the rest to the next. */
const PASS_BUDGET_MS = 10_000;

export interface HistoryRemoved {
  events: number;
  runs: number;
  healthHours: number;
  /** The pass ran out of its time: older history is left for the next one. */
  more: boolean;
}

type Db = Pick<HubContext, 'db'>;

/**
 * Where a batch stopped, in the order of the index it walks: the next one starts after it. The time
 * at full precision (keyset.ts): cut to milliseconds, it would fall before the row it names, and the
 * next batch would look again at the rows of that millisecond; with a batch of rows kept (actions
 * held for a paused target, queued together), at the same ones again and again.
 */
interface Position {
  at: string;
  id: string;
}

/** Removes the history older than the retention; nothing when it is 0 (keep everything). */
export async function removeOldHistory(hub: Pick<HubContext, 'db' | 'database' | 'config' | 'clock' | 'logger'>, budgetMs = PASS_BUDGET_MS): Promise<HistoryRemoved> {
  const removed: HistoryRemoved = { events: 0, runs: 0, healthHours: 0, more: false };
  const days = hub.config.HUB_HISTORY_RETENTION_DAYS;
  if (days === 0) return removed;
  const cutoff = new Date(hub.clock().getTime() - days * 86_400_000);
  const deadline = performance.now() + budgetMs;
  const inTime = () => performance.now() < deadline;
  const tenants = await hub.db.selectFrom('tenants').select('id').orderBy('id').execute();
  for (const { id: tenantId } of tenants) {
    // Runs first: the events of the runs left are kept, and few old runs are left once it is done.
    const runs = await inBatches(inTime, (after) => removeRuns(hub, tenantId, cutoff, after));
    removed.runs += runs.count;
    if (!runs.done) break;
    const events = await inBatches(inTime, (after) => removeEvents(hub, tenantId, cutoff, after));
    removed.events += events.count;
    if (!events.done) break;
    removed.healthHours += await removeHealthHours(hub, tenantId, cutoff);
  }
  removed.more = !inTime();
  // PGlite runs PostgreSQL without its autovacuum: space of removed rows is reused only once
  // vacuumed. Its one connection waits meanwhile, so only the tables something left are vacuumed.
  if (hub.database.kind === 'pglite') {
    const tables = [
      ...(removed.events > 0 ? [sql.table('integration_events')] : []),
      ...(removed.runs > 0 ? [sql.table('integration_runs')] : []),
      ...(removed.healthHours > 0 ? [sql.table('integration_health_metrics')] : []),
    ];
    if (tables.length > 0) await sql`vacuum ${sql.join(tables)}`.execute(hub.db);
  }
  if (removed.events + removed.runs + removed.healthHours > 0 || removed.more) {
    hub.logger.info(
      { events: removed.events, runs: removed.runs, healthHours: removed.healthHours, olderThan: cutoff.toISOString(), retentionDays: days },
      removed.more ? 'removed history past HUB_HISTORY_RETENTION_DAYS; more is left for the next pass' : 'removed history past HUB_HISTORY_RETENTION_DAYS',
    );
  }
  return removed;
}

/** What one batch did: the rows it looked at (a full batch means more may follow), and those it removed. */
interface Batch {
  looked: number;
  removed: number;
  last: Position | undefined;
}

/** Batches until one looks at fewer rows than a full batch (done) or the time is up (not done). */
async function inBatches(inTime: () => boolean, batch: (after: Position | undefined) => Promise<Batch>) {
  let count = 0;
  let after: Position | undefined;
  for (;;) {
    if (!inTime()) return { count, done: false };
    const result = await batch(after);
    count += result.removed;
    if (result.looked < BATCH || result.last === undefined) return { count, done: true };
    after = result.last;
  }
}

// Each statement looks at the next BATCH rows in index order, removes those it may, and answers
// how many it looked at and removed, and where it stopped.
const SUMMARY = sql`
  select (select count(*) from candidates)::int as looked, (select count(*) from gone)::int as removed,
    (select ${isoMicros('at')} from candidates order by at desc, id desc limit 1) as last_at,
    (select id from candidates order by at desc, id desc limit 1) as last_id`;

interface Summary {
  looked: number;
  removed: number;
  last_at: string | null;
  last_id: string | null;
}

function batchOf(rows: Summary[]): Batch {
  const row = rows[0];
  if (!row) return { looked: 0, removed: 0, last: undefined };
  return { looked: row.looked, removed: row.removed, last: row.last_at === null || row.last_id === null ? undefined : { at: row.last_at, id: row.last_id } };
}

/**
 * A run that may go by itself: finished before the cutoff, and not its integration's latest
 * success or failure (health reads those), unless a check or cancelled.
 */
function mayGo(run: string, cutoff: Date) {
  const r = sql.raw(run);
  return sql`coalesce((${r}.status in ('succeeded', 'failed', 'cancelled') and ${r}.finished_at < ${cutoff} and ${r}.queued_at < ${cutoff}
    and (${r}.kind = 'check' or ${r}.status = 'cancelled' or exists (
      select 1 from integration_runs newer
      where newer.integration_id = ${r}.integration_id and newer.status = ${r}.status
        and newer.kind <> 'check' and newer.finished_at > ${r}.finished_at))), false)`;
}

async function removeRuns(hub: Db, tenantId: string, cutoff: Date, after: Position | undefined): Promise<Batch> {
  // The runs of one event go together or not at all. The key of a route's action on an event is its
  // run's (route-run-key.ts): a replay of a kept event (what keeping it is for) would repeat every
  // action whose run was removed. So a run with an event goes only when its event goes too: the
  // event is not needed by itself (pending, received or replayed since the cutoff) and every run
  // of it may go (the events pass keeps the event of any run that stays).
  const { rows } = await sql<Summary>`
    with candidates as (
      select run.id, run.queued_at as at,
        ${mayGo('run', cutoff)}
        and (run.event_id is null or (
          not exists (
            select 1 from integration_events event
            where event.id = run.event_id
              and (event.status = 'pending' or event.received_at >= ${cutoff} or event.replayed_at >= ${cutoff}))
          and not exists (
            select 1 from integration_runs sibling
            where sibling.event_id = run.event_id and sibling.id <> run.id and not ${mayGo('sibling', cutoff)}))) as removable
      from integration_runs run
      where run.tenant_id = ${tenantId} and run.queued_at < ${cutoff}
        ${after ? sql`and (run.queued_at, run.id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
      order by run.queued_at, run.id
      limit ${BATCH}
    ), gone as (
      delete from integration_runs where id in (select id from candidates where removable) returning id
    )
    ${SUMMARY}`.execute(hub.db);
  return batchOf(rows);
}

async function removeEvents(hub: Db, tenantId: string, cutoff: Date, after: Position | undefined): Promise<Batch> {
  // The events of the runs kept: the old ones kept for health (few, once the old runs are removed)
  // and unfinished ones. A run queued since the cutoff was made for an event received or replayed
  // since, which is kept anyway. Two reads, each over its own index.
  const { rows } = await sql<Summary>`
    with candidates as (
      select id, received_at as at, status <> 'pending' and (replayed_at is null or replayed_at < ${cutoff}) as removable
      from integration_events
      where tenant_id = ${tenantId} and received_at < ${cutoff}
        ${after ? sql`and (received_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
      order by received_at, id
      limit ${BATCH}
    ), kept as (
      select event_id from integration_runs where tenant_id = ${tenantId} and queued_at < ${cutoff} and event_id is not null
      union all
      select event_id from integration_runs where status in ('queued', 'running') and tenant_id = ${tenantId} and event_id is not null
    ), gone as (
      delete from integration_events
      where id in (select id from candidates where removable and id not in (select event_id from kept))
      returning id
    )
    ${SUMMARY}`.execute(hub.db);
  return batchOf(rows);
}

async function removeHealthHours(hub: Db, tenantId: string, cutoff: Date): Promise<number> {
  // 24 rows a day per integration: one statement is small enough.
  const result = await sql`delete from integration_health_metrics where tenant_id = ${tenantId} and hour < ${cutoff}`.execute(hub.db);
  return Number(result.numAffectedRows ?? 0);
}
