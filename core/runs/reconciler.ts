import { sql, type RawBuilder } from 'kysely';
import { EVENT_QUEUE, type EventJob } from '../events/event.dispatch.ts';
import type { HubContext } from '../server/hub-context.ts';
import { MAX_RUN_ATTEMPTS } from './failure.ts';
import { recordFinalFailure } from './failure.service.ts';
import { integrationLetsRunStart } from './run.hold.ts';
import { settleRun } from './run.settle.ts';
import { RUN_QUEUE, type RunJob } from './run.jobs.ts';

// Postgres is the source of truth and the queue only dispatches. This sweep puts back on the
// queue whatever the rows say is unfinished but no process is working on: runs whose process died
// (no heartbeat within the lease), runs and events whose job was lost with Redis.

const BATCH = 500;

export interface ReconcileReport {
  runsTakenOver: number;
  /** Stale runs on the last attempt of their budget, failed for good (run_interrupted). */
  runsFailedInterrupted: number;
  runsRequeued: number;
  eventsRedispatched: number;
}

export async function reconcile(hub: HubContext): Promise<ReconcileReport> {
  const now = hub.clock();
  const leaseMs = hub.config.HUB_RUN_LEASE_SECONDS * 1000;
  const staleBefore = new Date(now.getTime() - leaseMs);

  // A running run without a heartbeat within the lease belongs to a dead process: back to queued.
  // Running, but silent for longer than the lease: its process is gone.
  const lastSign = sql<Date>`coalesce(heartbeat_at, started_at, queued_at)`;
  // Unless that was the last attempt of its budget: a run whose process dies every time (a page too
  // large for the worker's memory) would otherwise be taken over and crash workers without end.
  const interrupted = await failInterruptedRuns(hub, lastSign, staleBefore);
  const takenOver = await hub.db
    .updateTable('integration_runs')
    .set({ status: 'queued', heartbeat_at: null, next_attempt_at: now })
    .where('status', '=', 'running')
    .where(lastSign, '<', staleBefore)
    .where('kind', 'in', ['poll', 'action'])
    .where(lastAttemptOfBudget, '=', false)
    .returning('id')
    .execute();
  // A check answers the admin who asked; when its process died there is nobody left to answer.
  await hub.db
    .updateTable('integration_runs')
    .set({ status: 'cancelled', finished_at: now, error_message: 'the process running this check stopped' })
    .where('status', '=', 'running')
    .where(lastSign, '<', staleBefore)
    .where('kind', '=', 'check')
    .execute();

  // Queued runs overdue by a lease were not picked up: their job is gone. Job ids carry the time
  // bucket so a sweep does not stack duplicates while the first job is still waiting. Runs held by
  // a paused or disabled integration are not overdue, they wait (run.hold.ts) until its resume.
  const overdue = await hub.db
    .selectFrom('integration_runs')
    .select('id')
    .where('status', '=', 'queued')
    .where(sql<boolean>`coalesce(next_attempt_at, queued_at) < ${staleBefore}`)
    .where(integrationLetsRunStart)
    .limit(BATCH)
    .execute();
  const bucket = Math.floor(now.getTime() / leaseMs);
  const runIds = [...new Set([...takenOver.map((r) => r.id), ...overdue.map((r) => r.id)])];
  for (const id of runIds) await hub.queue.add<RunJob>(RUN_QUEUE, 'run', { runId: id }, { jobId: `reconcile-${id}-${bucket}` });

  const pending = await hub.db
    .selectFrom('integration_events')
    .select('id')
    .where('status', '=', 'pending')
    .where('received_at', '<', staleBefore)
    .limit(BATCH)
    .execute();
  if (pending.length > 0) {
    await hub.queue.add<EventJob>(EVENT_QUEUE, 'route-events', { eventIds: pending.map((event) => event.id) }, { jobId: `reconcile-events-${bucket}-${pending[0]?.id}` });
  }

  const report = { runsTakenOver: takenOver.length, runsFailedInterrupted: interrupted, runsRequeued: runIds.length, eventsRedispatched: pending.length };
  if (report.runsRequeued + report.eventsRedispatched + interrupted > 0) hub.logger.info(report, 'reconciler re-enqueued unfinished work');
  return report;
}

/** The attempt number is the last of its budget (attemptInBudget = MAX_RUN_ATTEMPTS). */
const lastAttemptOfBudget = sql<boolean>`((greatest(attempts, 1) - 1) % ${sql.lit(MAX_RUN_ATTEMPTS)} = ${sql.lit(MAX_RUN_ATTEMPTS - 1)})`;

/**
 * Stale runs on the last attempt of their budget fail for good with run_interrupted: a task and a
 * failure event like any final failure. The reconciler settles them as the attempt that held them,
 * so a process that wakes up after all finds the run no longer its own.
 */
async function failInterruptedRuns(hub: HubContext, lastSign: RawBuilder<Date>, staleBefore: Date): Promise<number> {
  const runs = await hub.db
    .selectFrom('integration_runs')
    .selectAll()
    .where('status', '=', 'running')
    .where(lastSign, '<', staleBefore)
    .where('kind', 'in', ['poll', 'action'])
    .where(lastAttemptOfBudget, '=', true)
    .limit(BATCH)
    .execute();
  let failed = 0;
  for (const run of runs) {
    const integration = await hub.db.selectFrom('integration_configs').selectAll().where('id', '=', run.integration_id).executeTakeFirst();
    if (!integration) continue;
    const failure = {
      code: 'run_interrupted' as const,
      message: `the process running it stopped before it finished, on each of its ${MAX_RUN_ATTEMPTS} attempts`,
      transient: false,
    };
    const settled = await settleRun(hub, run, { status: 'failed', errorCode: failure.code, errorMessage: failure.message }, () => recordFinalFailure(hub, integration, run, failure));
    if (settled) failed += 1;
  }
  return failed;
}
