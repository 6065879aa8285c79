import { sql } from 'kysely';
import { EVENT_QUEUE, type EventJob } from '../events/event.dispatch.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { RunRow } from '../db/database.types.ts';
import { isoMicros } from '../db/keyset.ts';
import { safeToRunAgain } from '../routes/action-rerun.ts';
import { MAX_RUN_ATTEMPTS, type Failure } from './failure.ts';
import { recordFinalFailure } from './failure.service.ts';
import { integrationLetsRunStart } from './run.hold.ts';
import { attemptInBudget, giveBackStaleRun, silentFor, takeOverStaleRun } from './run.repository.ts';
import { settleRun } from './run.settle.ts';
import { databaseTime } from '../timing/database-time.ts';
import { RUN_QUEUE, type RunJob } from './run.jobs.ts';

// Postgres is the source of truth and the queue only dispatches. This sweep puts back on the
// queue whatever the rows say is unfinished but no process is working on: runs whose process died
// (no heartbeat within the lease), runs and events whose job was lost with Redis.

const BATCH = 500;
// A pass re-dispatches at most this many pages of each (250,000 rows); a larger backlog goes on in
// the next pass rather than hold the maintenance job for minutes.
const MAX_PAGES_PER_PASS = 500;

export interface ReconcileReport {
  runsTakenOver: number;
  /**
   * Stale runs failed for good (run_interrupted): on the last attempt of their budget, or actions
   * that may already have taken effect upstream and must not run twice.
   */
  runsFailedInterrupted: number;
  runsRequeued: number;
  eventsRedispatched: number;
}

export async function reconcile(hub: HubContext): Promise<ReconcileReport> {
  // Every time a pass compares was written by another process, or by the database: the pass reads
  // the database's clock, not its own (database-time.ts). Job ids' time buckets come from it too,
  // so that reconcilers on hosts whose clocks differ name a run's job alike.
  const now = await databaseTime(hub.db);
  const leaseMs = hub.config.HUB_RUN_LEASE_SECONDS * 1000;
  const staleBefore = new Date(now.getTime() - leaseMs);

  // A running run without a heartbeat within the lease belongs to a dead process.
  const { interrupted, takenOver } = await takeOverStaleRuns(hub, leaseMs, now);
  // A check answers the admin who asked; when its process died there is nobody left to answer.
  await hub.db
    .updateTable('integration_runs')
    .set({ status: 'cancelled', finished_at: now, error_message: 'the process running this check stopped' })
    .where('status', '=', 'running')
    .where(silentFor(leaseMs))
    .where('kind', '=', 'check')
    .execute();

  // Queued runs overdue by a lease were not picked up: their job is gone. Job ids carry the time
  // bucket so a sweep does not stack duplicates while the first job is still waiting. Runs held by
  // a paused or disabled integration are not overdue, they wait (run.hold.ts) until its resume.
  const bucket = Math.floor(now.getTime() / leaseMs);
  const runIds = new Set(takenOver);
  for await (const page of overdueRunPages(hub, staleBefore)) for (const id of page) runIds.add(id);
  for (const id of runIds) await hub.queue.add<RunJob>(RUN_QUEUE, 'run', { runId: id }, { jobId: `reconcile-${id}-${bucket}` });

  // Pending events overdue by a lease lost their job (Redis restarted empty, an embedded restart):
  // every one goes back in this pass, a job per page, however large the backlog a lost queue left.
  let eventsRedispatched = 0;
  for await (const page of overdueEventPages(hub, staleBefore)) {
    await hub.queue.add<EventJob>(EVENT_QUEUE, 'route-events', { eventIds: page }, { jobId: `reconcile-events-${bucket}-${page[0]}` });
    eventsRedispatched += page.length;
  }

  const report = { runsTakenOver: takenOver.length, runsFailedInterrupted: interrupted, runsRequeued: runIds.size, eventsRedispatched };
  if (report.runsRequeued + report.eventsRedispatched + interrupted > 0) hub.logger.info(report, 'reconciler re-enqueued unfinished work');
  return report;
}

/** Ids of queued runs overdue by a lease, a page at a time in id order. */
async function* overdueRunPages(hub: HubContext, staleBefore: Date): AsyncGenerator<string[]> {
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES_PER_PASS; page++) {
    let select = hub.db
      .selectFrom('integration_runs')
      .select('id')
      .where('status', '=', 'queued')
      .where(sql<boolean>`coalesce(next_attempt_at, queued_at) < ${staleBefore}`)
      .where(integrationLetsRunStart);
    if (after) select = select.where('id', '>', after);
    const rows = await select.orderBy('id').limit(BATCH).execute();
    if (rows.length === 0) return;
    yield rows.map((row) => row.id);
    if (rows.length < BATCH) return;
    after = rows.at(-1)!.id;
  }
}

/** Ids of pending events overdue by a lease, a page at a time, oldest first. */
async function* overdueEventPages(hub: HubContext, staleBefore: Date): AsyncGenerator<string[]> {
  let after: { at: string; id: string } | undefined;
  for (let page = 0; page < MAX_PAGES_PER_PASS; page++) {
    let select = hub.db
      .selectFrom('integration_events')
      .select(['id', isoMicros('received_at').as('received_at_iso')])
      .where('status', '=', 'pending')
      .where('received_at', '<', staleBefore);
    if (after) select = select.where(sql<boolean>`(received_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)`);
    const rows = await select.orderBy('received_at').orderBy('id').limit(BATCH).execute();
    if (rows.length === 0) return;
    yield rows.map((row) => row.id);
    if (rows.length < BATCH) return;
    const last = rows.at(-1)!;
    after = { at: last.received_at_iso, id: last.id };
  }
}

/**
 * Stale poll and action runs: back to the queue, for another worker to run again. Except two kinds,
 * which fail for good with run_interrupted (a task and a failure event, like any final failure):
 * a run on the last attempt of its budget (one whose process dies every time, on a page too large
 * for the worker's memory, would otherwise crash workers without end), and an action that may
 * already have taken effect upstream, which a second run could do twice (action-rerun.ts). The
 * reconciler settles those as an attempt of its own, so that two passes, or the stalled process
 * waking up, cannot record them again.
 */
async function takeOverStaleRuns(hub: HubContext, leaseMs: number, now: Date): Promise<{ interrupted: number; takenOver: string[] }> {
  const stale = await hub.db
    .selectFrom('integration_runs')
    .innerJoin('integration_configs', 'integration_configs.id', 'integration_runs.integration_id')
    .selectAll('integration_runs')
    .select('integration_configs.connector')
    .where('integration_runs.status', '=', 'running')
    .where(silentFor(leaseMs))
    .where('integration_runs.kind', 'in', ['poll', 'action'])
    .limit(BATCH)
    .execute();
  let interrupted = 0;
  const again: string[] = [];
  for (const { connector, ...run } of stale) {
    const failure = interruption(hub, run, connector);
    if (!failure) {
      again.push(run.id);
      continue;
    }
    if (!(await failInterrupted(hub, run, leaseMs, failure))) continue;
    interrupted += 1;
    // A final failure like any other (run.settle.ts counts those): alerts on failed runs see it.
    hub.metrics.runs.inc({ connector, kind: run.kind, status: 'failed' });
  }
  if (again.length === 0) return { interrupted, takenOver: [] };
  const takenOver = await hub.db
    .updateTable('integration_runs')
    .set({ status: 'queued', heartbeat_at: null, next_attempt_at: now })
    .where('id', 'in', again)
    .where('status', '=', 'running')
    // Still silent: an attempt that beat since the read keeps its run.
    .where(silentFor(leaseMs))
    .returning('id')
    .execute();
  return { interrupted, takenOver: takenOver.map((row) => row.id) };
}

/** Why a stale run must not run again, or undefined when it may. */
function interruption(hub: HubContext, run: RunRow, connector: string): Failure | undefined {
  if (attemptInBudget(run.attempts) === MAX_RUN_ATTEMPTS) {
    return { code: 'run_interrupted', message: `the process running it stopped before it finished, on each of its ${MAX_RUN_ATTEMPTS} attempts`, transient: false };
  }
  if (run.kind === 'action' && !safeToRunAgain(hub, run, connector)) {
    return {
      code: 'run_interrupted',
      message:
        `the process running ${connector} action ${run.action ?? ''} stopped while it ran; it may already have taken effect upstream, ` +
        'so it is not run again, which could do it twice: check there, and replay the event if it did not',
      transient: false,
    };
  }
  return undefined;
}

async function failInterrupted(hub: HubContext, stale: RunRow, leaseMs: number, failure: Failure): Promise<boolean> {
  const run = await takeOverStaleRun(hub.db, stale, leaseMs);
  if (!run) return false;
  const integration = await hub.db.selectFrom('integration_configs').selectAll().where('id', '=', run.integration_id).executeTakeFirst();
  if (!integration) return false;
  const outcome = { status: 'failed' as const, errorCode: failure.code, errorMessage: failure.message, attempts: stale.attempts };
  try {
    const settled = await settleRun(hub, run, outcome, () => recordFinalFailure(hub, integration, { ...run, attempts: stale.attempts }, failure));
    return settled !== undefined;
  } catch (error) {
    await giveBackStaleRun(hub.db, run, stale).catch(() => undefined);
    throw error;
  }
}
