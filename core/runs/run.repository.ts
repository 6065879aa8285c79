import { isUniqueViolation } from '../db/postgres-errors.ts';
import { sql, type ExpressionBuilder, type Insertable, type InsertObject, type Kysely, type Transaction } from 'kysely';
import type { Database, IntegrationRunsTable, RunRow } from '../db/database.types.ts';
import { isoMicros } from '../db/keyset.ts';
import type { ListedRun } from './run.query.ts';
import { MAX_RUN_ATTEMPTS } from './failure.ts';
import { integrationLetsRunStart } from './run.hold.ts';
import { hourOf, rewriteHealthHours } from '../health/health-hours.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Inserts the run unless its idempotency key exists; undefined means another caller made it. The
 * queue time comes at full precision too, as the runs list gives it (the next page's `before`).
 */
export async function insertRunOnce(db: Db, run: InsertObject<Database, 'integration_runs'>): Promise<ListedRun | undefined> {
  return db
    .insertInto('integration_runs')
    .values(run)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returningAll()
    .returning(isoMicros('queued_at').as('queued_at_iso'))
    .executeTakeFirst();
}

/**
 * A scheduled incremental run of this stream that is queued and has never started while another
 * run of the stream is running: one waiting behind a long run (a backfill, a slow sync). It will
 * poll everything since the cursor once it starts, so a later window's run would only wait behind
 * it and then poll nothing. Without a run in the way, a never-started run may have lost its job (a
 * process that died between making and claiming it): the next window then makes its own run
 * rather than wait a lease for the reconciler.
 */
export async function findWaitingScheduledRun(db: Db, integrationId: string, stream: string): Promise<Pick<RunRow, 'id'> | undefined> {
  return db
    .selectFrom('integration_runs')
    .select('id')
    .where('integration_id', '=', integrationId)
    .where('stream', '=', stream)
    .where('kind', '=', 'poll')
    .where('trigger', '=', 'schedule')
    .where('mode', '=', 'incremental')
    .where('status', '=', 'queued')
    .where('attempts', '=', 0)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('integration_runs as running')
          .select('running.id')
          .where('running.integration_id', '=', integrationId)
          .where('running.stream', '=', stream)
          .where('running.status', '=', 'running'),
      ),
    )
    .limit(1)
    .executeTakeFirst();
}

export async function findRunByKey(db: Db, idempotencyKey: string): Promise<RunRow | undefined> {
  return db.selectFrom('integration_runs').selectAll().where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

export async function findRun(db: Db, id: string): Promise<RunRow | undefined> {
  return db.selectFrom('integration_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

export class RunBusyError extends Error {
  override name = 'RunBusyError';
}

/**
 * Moves a queued run to running. The returned row's `attempts` is this attempt's number, which
 * fences every later write of the attempt (see `heldBy`). Undefined when the run is not queued
 * (done, or taken by another process), its next attempt is not due yet (see `msUntilDue`) or its
 * integration holds it back (paused or disabled, see run.hold.ts). RunBusyError when another run
 * of the same stream is running: runs of one stream never overlap, enforced by a partial unique
 * index rather than by hope. The start and the due time are the database's (see `databaseNow`):
 * another worker set the due time, and another may finish the run.
 */
export async function claimRun(db: Db, id: string): Promise<RunRow | undefined> {
  try {
    return await db
      .updateTable('integration_runs')
      .set((eb) => ({
        status: 'running',
        started_at: eb.fn.coalesce('started_at', databaseNow),
        heartbeat_at: databaseNow,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', id)
      .where('status', '=', 'queued')
      // Not before its retry is due (a Retry-After, a busy stream): a second job for the run, such
      // as the reconciler's for a run that only waited in a backlog, must not start it early.
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', databaseNow)]))
      .where(integrationLetsRunStart)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if (isUniqueViolation(error)) throw new RunBusyError('another run of this stream is running');
    throw error;
  }
}

/** The database's time `ms` milliseconds from now: when a run's next attempt is due. */
function databaseNowPlus(ms: number) {
  return sql<Date>`now() + ${Math.max(0, Math.round(ms))} * interval '1 millisecond'`;
}

/**
 * How long until a queued run's next attempt is due, in ms by the database's clock, when it is not
 * due yet; undefined otherwise (due, or no longer queued).
 */
export async function msUntilDue(db: Db, id: string): Promise<number | undefined> {
  const run = await db
    .selectFrom('integration_runs')
    .select(sql<number>`ceil(extract(epoch from (next_attempt_at - now())) * 1000)::float8`.as('due_in_ms'))
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .where('next_attempt_at', '>', databaseNow)
    .executeTakeFirst();
  return run === undefined ? undefined : Number(run.due_in_ms);
}

/** A queued run that could not start yet (its stream is busy) waits `delayMs`. */
export async function postponeQueuedRun(db: Db, id: string, delayMs: number): Promise<void> {
  await db.updateTable('integration_runs').set({ next_attempt_at: databaseNowPlus(delayMs) }).where('id', '=', id).where('status', '=', 'queued').execute();
}

/** One attempt at a run: the claim that made `attempts` this number. */
export type RunAttempt = Pick<RunRow, 'id' | 'attempts'>;

/**
 * The attempt still holds the run. When the reconciler takes over a run whose heartbeat stalled,
 * the run is queued again and then running under a higher attempt number, so every write of the
 * old attempt — heartbeat, progress, finish, retry — matches no row and changes nothing.
 */
function heldBy(run: RunAttempt) {
  return (eb: ExpressionBuilder<Database, 'integration_runs'>) =>
    eb.and([eb('id', '=', run.id), eb('status', '=', 'running'), eb('attempts', '=', run.attempts)]);
}

/**
 * A page's transaction found its run held by another attempt: the page rolls back rather than
 * race the attempt that holds the run now.
 */
export class RunNotHeldError extends Error {
  override name = 'RunNotHeldError';
}

/**
 * The reconciler takes a stale run as an attempt of its own, to settle it: only while the attempt
 * it read still holds it and is still silent. One of two reconcile passes gets it, and the stalled
 * attempt, should it wake up, finds the run no longer its own.
 */
export async function takeOverStaleRun(db: Db, run: RunAttempt, leaseMs: number): Promise<RunRow | undefined> {
  return db
    .updateTable('integration_runs')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), heartbeat_at: databaseNow }))
    .where(heldBy(run))
    .where(silentFor(leaseMs))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Undoes takeOverStaleRun when settling the run then failed: the run shows its last real attempt
 * again and is as silent as before, for the next pass to settle. (Left taken over, its higher
 * attempt number would read as the first of a new budget, and the run would be retried again.)
 */
export async function giveBackStaleRun(db: Db, taken: RunAttempt, stale: Pick<RunRow, 'attempts' | 'heartbeat_at'>): Promise<void> {
  await db.updateTable('integration_runs').set({ attempts: stale.attempts, heartbeat_at: stale.heartbeat_at }).where(heldBy(taken)).execute();
}

// Heartbeats are stamped, and judged, by the database's clock, not the workers': one worker's clock
// a lease behind another's would otherwise have its live runs taken over by the other's reconciler.
/** The database's clock, which judges heartbeats (see the reconciler), whatever a process's says. */
export const databaseNow = sql<Date>`now()`;

/**
 * A running run silent for longer than the lease: its last sign of life (heartbeat, else start,
 * else queueing) is older than that by the database's clock.
 */
export function silentFor(leaseMs: number) {
  return sql<boolean>`coalesce(heartbeat_at, started_at, queued_at) < now() - ${sql.lit(leaseMs)} * interval '1 millisecond'`;
}

/** Refreshes the heartbeat; false when this attempt no longer holds the run. */
export async function touchRun(db: Db, run: RunAttempt): Promise<boolean> {
  const result = await db.updateTable('integration_runs').set({ heartbeat_at: databaseNow }).where(heldBy(run)).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface RunProgress {
  pages: number;
  recordsSeen: number;
  recordsNew: number;
  recordsChanged: number;
}

/** A committed page's part in the run's payload hash. */
export interface PageDigest {
  /** SHA-256 (hex) of the page's record hashes, in the order read. */
  digest: string;
  /** The page starts the run's reading from the beginning: the chain starts again from it. */
  restart: boolean;
}

/**
 * The run's payload hash with a page's digest: SHA-256 (hex) of the hash so far ('' before the
 * first page) followed by the digest. Kept in the row, not in an attempt's memory, so a run retried
 * or taken over goes on with it and covers every page it committed, whichever attempt read it.
 */
function chainedPayloadHash(page: PageDigest) {
  const previous = page.restart ? sql<string>`''` : sql<string>`coalesce(payload_hash, '')`;
  return sql<string>`encode(sha256(convert_to(${previous} || ${page.digest}::text, 'UTF8')), 'hex')`;
}

/**
 * Adds a committed page's counts and chains its digest onto the run's payload hash; RunNotHeldError
 * (rolling the page back) when the attempt lost the run.
 */
export async function addProgress(db: Db, run: RunAttempt, progress: RunProgress, page: PageDigest): Promise<void> {
  const result = await db
    .updateTable('integration_runs')
    .set((eb) => ({
      pages: eb('pages', '+', progress.pages),
      records_seen: eb('records_seen', '+', progress.recordsSeen),
      records_new: eb('records_new', '+', progress.recordsNew),
      records_changed: eb('records_changed', '+', progress.recordsChanged),
      payload_hash: chainedPayloadHash(page),
      heartbeat_at: databaseNow,
    }))
    .where(heldBy(run))
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new RunNotHeldError(`run ${run.id} is no longer held by attempt ${run.attempts}`);
}

export interface RunOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  errorCode?: string | null;
  errorMessage?: string | null;
  payloadHash?: string | null;
  result?: unknown;
  /**
   * The attempt count the finished run shows, when not the holder's: the reconciler settles a run it
   * took over (takeOverStaleRun) as an attempt of its own, but that was no attempt at the work, and
   * a replay counts its retries on from this number.
   */
  attempts?: number;
}

// latency_ms is an integer column: about 24.8 days at most. A run counts from its first start, so a
// retry held back by a long pause (run.hold.ts) finishes later than that; stored uncapped, the
// UPDATE would fail and leave the run running for good.
const MAX_LATENCY_MS = 2_147_483_647;

// From its first start (or its queueing) to now, both by the database's clock: the start may have
// been stamped by another worker than the one finishing the run.
const latencySoFar = sql<number>`least(${sql.lit(MAX_LATENCY_MS)}, greatest(0, round(extract(epoch from (now() - coalesce(started_at, queued_at))) * 1000)))::integer`;

/**
 * Finishes the run for the attempt holding it, at the database's time; undefined (nothing written)
 * for any other attempt.
 */
export async function finishRun(db: Db, run: RunAttempt, outcome: RunOutcome): Promise<RunRow | undefined> {
  return db
    .updateTable('integration_runs')
    .set({
      status: outcome.status,
      finished_at: databaseNow,
      latency_ms: latencySoFar,
      error_code: outcome.errorCode ?? null,
      error_message: outcome.errorMessage ?? null,
      ...(outcome.payloadHash === undefined ? {} : { payload_hash: outcome.payloadHash }),
      ...(outcome.result === undefined ? {} : { result: JSON.stringify(outcome.result) }),
      next_attempt_at: null,
      ...(outcome.attempts === undefined ? {} : { attempts: outcome.attempts }),
    })
    .where(heldBy(run))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Back to queued, due at once, with no error and its attempt given back, when its process stops in
 * the middle of it (see run-handover.ts): a stop is no failure, and a rolling restart must not use
 * up the run's budget. The attempt's number comes round again, as after giveBackStaleRun: nothing
 * of the cut attempt writes after this. False when this attempt no longer holds the run.
 */
export async function handBackRun(db: Db, run: RunAttempt): Promise<boolean> {
  const result = await db
    .updateTable('integration_runs')
    .set((eb) => ({ status: 'queued', next_attempt_at: null, heartbeat_at: null, attempts: eb('attempts', '-', 1) }))
    .where(heldBy(run))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Back to queued after a transient failure, to be picked up again `delayMs` from now by the
 * database's clock; false (and nothing written) when this attempt no longer holds the run.
 */
export async function requeueRun(db: Db, run: RunAttempt, delayMs: number, error: { code: string; message: string }): Promise<boolean> {
  const result = await db
    .updateTable('integration_runs')
    .set({ status: 'queued', next_attempt_at: databaseNowPlus(delayMs), heartbeat_at: null, error_code: error.code, error_message: error.message })
    .where(heldBy(run))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

// Attempt numbers never repeat within a run, a replay included: they fence a stale attempt's writes
// (`heldBy`) and name the attempt that failed the run for good (its failure event). A replay gives
// the run a fresh budget of MAX_RUN_ATTEMPTS tries by moving `attempts` up to the next multiple of
// it; an attempt's place within its budget is then its number modulo MAX_RUN_ATTEMPTS.

/** The attempt's place (1 … MAX_RUN_ATTEMPTS) among the tries of its budget. */
export function attemptInBudget(attempts: number): number {
  return ((Math.max(1, attempts) - 1) % MAX_RUN_ATTEMPTS) + 1;
}

export interface ReplayedAction {
  integrationId: string;
  action: string;
  input: unknown;
}

/**
 * Queues a failed action run again (or one cancelled before it ran), as a new run in all but its
 * row: queued now, with no start, heartbeat, latency, result or error of its earlier attempts, and
 * a fresh budget of attempts (numbered on). False when the run is no longer failed or cancelled.
 */
export async function requeueFailedAction(db: Db, runId: string, replayed: ReplayedAction): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    // Locked: a concurrent replay of the same run waits, then finds it queued and leaves it alone.
    const failed = await trx
      .selectFrom('integration_runs')
      .select(['integration_id', 'finished_at'])
      .where('id', '=', runId)
      .where('status', 'in', ['failed', 'cancelled'])
      .forUpdate()
      .executeTakeFirst();
    if (!failed) return false;
    await trx
      .updateTable('integration_runs')
      .set({
        status: 'queued',
        attempts: sql<number>`((attempts + ${MAX_RUN_ATTEMPTS - 1}) / ${MAX_RUN_ATTEMPTS}) * ${MAX_RUN_ATTEMPTS}`,
        // Typed write-once (set at insert); a replay is the one exception, as it queues the run anew.
        // By the database's clock, as at insert: run.hold.ts compares it with a pause's time.
        queued_at: sql<never>`now()`,
        started_at: null,
        heartbeat_at: null,
        finished_at: null,
        next_attempt_at: null,
        latency_ms: null,
        result: null,
        error_code: null,
        error_message: null,
        integration_id: replayed.integrationId,
        action: replayed.action,
        input: JSON.stringify(replayed.input),
      })
      .where('id', '=', runId)
      .execute();
    // The run will count in the hour its replay finishes. The periodic rollup only redoes recent
    // hours, so the hour it failed in (of the integration it failed on) is redone here without it.
    if (failed.finished_at) await rewriteHealthHours(trx, { integrationId: failed.integration_id, hour: hourOf(new Date(failed.finished_at)) });
    return true;
  });
}

/** Runs `work` in the caller's transaction, or in one of its own. */
function inTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<Database>) : db.transaction().execute(work);
}
