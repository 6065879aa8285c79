import type { Kysely, Transaction } from 'kysely';
import type { Database, IntegrationRunsTable, RunRow } from '../db/database.types.ts';
import type { Insertable } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;

/** Inserts the run unless its idempotency key exists; undefined means another caller made it. */
export async function insertRunOnce(db: Db, run: Insertable<IntegrationRunsTable>): Promise<RunRow | undefined> {
  return db
    .insertInto('integration_runs')
    .values(run)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returningAll()
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
 * Moves a queued run to running. Undefined when it is not queued (done, or taken by another
 * process). RunBusyError when another run of the same stream is running: runs of one stream never
 * overlap, enforced by a partial unique index rather than by hope.
 */
export async function claimRun(db: Db, id: string, now: Date): Promise<RunRow | undefined> {
  try {
    return await db
      .updateTable('integration_runs')
      .set((eb) => ({
        status: 'running',
        started_at: eb.fn.coalesce('started_at', eb.val(now)),
        heartbeat_at: now,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new RunBusyError('another run of this stream is running');
    throw error;
  }
}

export async function heartbeat(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('integration_runs').set({ heartbeat_at: now }).where('id', '=', id).where('status', '=', 'running').execute();
}

export interface RunProgress {
  pages: number;
  recordsSeen: number;
  recordsNew: number;
  recordsChanged: number;
}

export async function addProgress(db: Db, id: string, progress: RunProgress, now: Date): Promise<void> {
  await db
    .updateTable('integration_runs')
    .set((eb) => ({
      pages: eb('pages', '+', progress.pages),
      records_seen: eb('records_seen', '+', progress.recordsSeen),
      records_new: eb('records_new', '+', progress.recordsNew),
      records_changed: eb('records_changed', '+', progress.recordsChanged),
      heartbeat_at: now,
    }))
    .where('id', '=', id)
    .execute();
}

export interface RunOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  finishedAt: Date;
  errorCode?: string | null;
  errorMessage?: string | null;
  payloadHash?: string | null;
  result?: unknown;
}

export async function finishRun(db: Db, run: RunRow, outcome: RunOutcome): Promise<RunRow> {
  const started = run.started_at ?? run.queued_at;
  return db
    .updateTable('integration_runs')
    .set({
      status: outcome.status,
      finished_at: outcome.finishedAt,
      latency_ms: Math.max(0, outcome.finishedAt.getTime() - started.getTime()),
      error_code: outcome.errorCode ?? null,
      error_message: outcome.errorMessage ?? null,
      ...(outcome.payloadHash === undefined ? {} : { payload_hash: outcome.payloadHash }),
      ...(outcome.result === undefined ? {} : { result: JSON.stringify(outcome.result) }),
      next_attempt_at: null,
    })
    .where('id', '=', run.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Back to queued after a transient failure, to be picked up again at `nextAttemptAt`. */
export async function requeueRun(db: Db, id: string, nextAttemptAt: Date, error: { code: string; message: string } | undefined): Promise<void> {
  await db
    .updateTable('integration_runs')
    .set({
      status: 'queued',
      next_attempt_at: nextAttemptAt,
      heartbeat_at: null,
      ...(error ? { error_code: error.code, error_message: error.message } : {}),
    })
    .where('id', '=', id)
    .execute();
}
