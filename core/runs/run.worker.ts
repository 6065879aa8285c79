import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import type { Job } from '../queue/queue.types.ts';
import { POLL_QUEUE, pollScheduleId, streamScheduleOn, wantsSchedule, type ScheduledPoll } from '../scheduler/schedule.service.ts';
import { scheduledRunKey, windowStart } from '../scheduler/schedule.window.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { JobRegistration } from '../server/job-handlers.ts';
import { executeAction } from '../routes/action.executor.ts';
import { whyRouteWithdrawn } from '../routes/route-withdrawn.ts';
import { executePoll } from './poll.executor.ts';
import { leftForAnotherProcess } from './run-offered.ts';
import { handingOver, leaveForLater, trackPoll } from './run-handover.ts';
import { withHeartbeat } from './run.heartbeat.ts';
import { claimRun, findWaitingScheduledRun, insertRunOnce, msUntilDue, postponeQueuedRun, RunBusyError } from './run.repository.ts';
import { enqueueRun, RUN_QUEUE, type RunJob } from './run.jobs.ts';
import { settleRun } from './run.settle.ts';

// While another run of the stream is running, a run waits this long before trying again.
const BUSY_RETRY_MS = 2_000;

/**
 * Claims the run; a run whose stream is busy with another run is postponed and undefined returned.
 * A job that comes before the run's next attempt is due (a second job for the run, a delay measured
 * by a clock ahead of the one that set it) is put back for what is left by the database's clock.
 */
async function claimOrPostpone(hub: HubContext, runId: string): Promise<RunRow | undefined> {
  try {
    const claimed = await claimRun(hub.db, runId);
    if (claimed) return claimed;
    const dueInMs = await msUntilDue(hub.db, runId);
    if (dueInMs !== undefined) await enqueueRun(hub, runId, dueInMs);
    return undefined;
  } catch (error) {
    if (!(error instanceof RunBusyError)) throw error;
    await postponeQueuedRun(hub.db, runId, BUSY_RETRY_MS);
    await enqueueRun(hub, runId, BUSY_RETRY_MS);
    return undefined;
  }
}

/**
 * A scheduled poll whose stream's schedule has been switched off since the run was made: it waited
 * behind a long run of the stream, or for its retry, and polling now would be the very poll the
 * admin switched off. Only the stream's own switch counts here: a paused or disabled integration
 * holds its runs back instead of dropping them (run.hold.ts), and the claim already waits for it.
 */
function scheduleSwitchedOff(integration: IntegrationConfigRow, run: RunRow): boolean {
  if (run.kind !== 'poll' || run.trigger !== 'schedule' || run.stream === null) return false;
  return !streamScheduleOn(integration, run.stream);
}

/**
 * Claims the run (queued → running) and executes it while keeping its heartbeat; a run whose
 * connector, stream or action this process does not offer is left to one that does (run-offered.ts),
 * for a while. A run taken or
 * finished elsewhere, or held back by its paused or disabled integration (run.hold.ts), is left
 * alone. A scheduled poll of a stream whose schedule was switched off meanwhile is cancelled, and
 * so is the action run of a route deleted or retargeted meanwhile (route-withdrawn.ts). A process
 * that is stopping starts no run, and hands its polls back (run-handover.ts).
 */
export async function executeRun(hub: HubContext, runId: string): Promise<void> {
  if (handingOver(hub)) {
    await leaveForLater(hub, runId);
    return;
  }
  if (await leftForAnotherProcess(hub, runId)) return;
  const run = await claimOrPostpone(hub, runId);
  if (!run) return;
  const integration = await hub.db.selectFrom('integration_configs').selectAll().where('id', '=', run.integration_id).executeTakeFirst();
  if (!integration) return;
  if (scheduleSwitchedOff(integration, run)) {
    await settleRun(hub, run, { status: 'cancelled', errorMessage: `the schedule of stream ${run.stream} was switched off` });
    return;
  }
  const withdrawn = await whyRouteWithdrawn(hub, run);
  if (withdrawn !== undefined) {
    await settleRun(hub, run, { status: 'cancelled', errorMessage: `${withdrawn} before it ran` });
    return;
  }
  await withHeartbeat(hub, run, async () => {
    if (run.kind === 'poll') await trackPoll(hub, executePoll(hub, run, integration));
    else if (run.kind === 'action') await executeAction(hub, run, integration);
  });
}

/**
 * A schedule fired: make the run of this window (once, whichever process gets there first) and
 * execute it. The window is the one the fire was due in, not the one a busy worker reached it in:
 * a fire picked up late would otherwise land in the next fire's window, and that poll would be lost.
 */
export async function runScheduledPoll(hub: HubContext, poll: ScheduledPoll, firedAt: Date = hub.clock()): Promise<void> {
  const integration = await hub.db.selectFrom('integration_configs').selectAll().where('id', '=', poll.integrationId).executeTakeFirst();
  if (!integration) {
    await hub.queue.removeSchedule(POLL_QUEUE, pollScheduleId(poll.integrationId, poll.stream));
    return;
  }
  // Not only paused or disabled: a stream whose schedule was switched off may still get a fire that
  // was already waiting for a worker (BullMQ removes only a schedule's delayed job).
  if (!wantsSchedule(integration, poll.stream)) return;
  const window = windowStart(firedAt, poll.everyMs, poll.windowsFrom);
  // Behind a run that outlasts its windows, one scheduled run waits, not one per window: each would
  // retry its claim every few seconds meanwhile, and then all would poll one after another.
  const waiting = await findWaitingScheduledRun(hub.db, integration.id, poll.stream);
  if (waiting) {
    hub.metrics.scheduledPollsSkipped.inc({ connector: integration.connector });
    hub.logger.debug({ integrationId: integration.id, stream: poll.stream, window, waitingRunId: waiting.id }, 'scheduled poll skipped: a run of this stream is already waiting');
    return;
  }
  const run = await insertRunOnce(hub.db, {
    tenant_id: integration.tenant_id,
    integration_id: integration.id,
    kind: 'poll',
    stream: poll.stream,
    trigger: 'schedule',
    mode: 'incremental',
    idempotency_key: scheduledRunKey(integration.id, poll.stream, window),
    window_start: window,
    status: 'queued',
  });
  if (run) await executeRun(hub, run.id);
}

/** When the fire was due: the job's own dueAt, unless it was queued beside the schedule for a fire it names. */
function dueAtOf(job: Job): Date {
  const { dueAt } = job.data as ScheduledPoll;
  return dueAt === undefined ? job.dueAt : new Date(dueAt);
}

export function runJobRegistrations(hub: HubContext): JobRegistration[] {
  const concurrency = hub.config.HUB_WORKER_CONCURRENCY;
  return [
    { queue: POLL_QUEUE, concurrency, handler: (job: Job) => runScheduledPoll(hub, job.data as ScheduledPoll, dueAtOf(job)) },
    { queue: RUN_QUEUE, concurrency, handler: (job: Job) => executeRun(hub, (job.data as RunJob).runId) },
  ];
}

