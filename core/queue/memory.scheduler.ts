// Repeatable schedules of one in-process queue, following BullMQ's job schedulers: a schedule has
// at most one pending job, and its next run is planned when that job starts. So a schedule whose
// queue has no handler yet holds one job, not a pile of missed runs.
//
// The host's wall clock may step (an NTP correction, a clock set by hand). An interval schedule
// counts elapsed time: its slots stay on the grid of the wall clock as it read when the schedule
// was written, so its fires go on every interval, and name windows of their own, whatever the
// wall clock does. A cron schedule fires at matches of the wall clock: after a step its pending
// run is planned again for the next match as the clock now reads, or at once for a match stepped past.
import { Cron } from 'croner';
import { startTimer, wallClockLead, type QueueClock, type Timer } from './memory.clock.ts';
import type { JobStore } from './memory.store.ts';
import { assertValidSchedule } from './queue.rules.ts';
import { DEFAULT_SCHEDULE_TZ, type Schedule, type ScheduleInfo } from './queue.types.ts';

// How often cron schedules look for a step of the wall clock, and how large a change of its lead
// over elapsed time counts as one (NTP slews the clock far more slowly than that).
const STEP_CHECK_MS = 60_000;
const STEP_MIN_MS = 1_000;

interface Entry {
  schedule: Schedule<unknown>;
  cron: Cron | undefined;
  /** Time of the pending or next run, ms; undefined when a cron pattern has no further run. */
  nextRunAt: number | undefined;
  /**
   * The wall clock's lead over elapsed time (wallClockLead) that `nextRunAt` is reckoned with: for an
   * interval, when the schedule was written; for a cron pattern, when its next run was planned.
   */
  lead: number;
  pendingJobId?: string;
}

export interface MemoryScheduler {
  upsert(schedule: Schedule<unknown>): void;
  remove(id: string): boolean;
  list(): ScheduleInfo[];
  /** Tells the scheduler a job started, so the schedule that made it can plan its next run. */
  jobStarted(jobId: string): void;
  /** Stops looking for steps of the wall clock (the store's timers are the store's to clear). */
  stop(): void;
}

export function createScheduler(clock: QueueClock, store: JobStore): MemoryScheduler {
  const entries = new Map<string, Entry>();
  const byPendingJob = new Map<string, Entry>();
  let stepCheck: Timer | undefined;
  let stopped = false;

  /** Now, on the wall clock the entry's times are reckoned with. */
  function nowFor(entry: Entry): number {
    return entry.cron ? clock.now() : clock.elapsed() + entry.lead;
  }

  /** How far the wall clock stepped since the entry's next run was planned; 0 when it did not. */
  function stepSince(entry: Entry): number {
    const step = wallClockLead(clock) - entry.lead;
    return Math.abs(step) < STEP_MIN_MS ? 0 : step;
  }

  // Like BullMQ, the next run waits as a delayed job, so `counts` shows it and the store's
  // timers are the only ones a run waits on.
  function plan(entry: Entry, at: number | undefined): void {
    entry.nextRunAt = at;
    if (at === undefined) return;
    if (entry.cron) entry.lead = wallClockLead(clock);
    const { id, name, data } = entry.schedule;
    // BullMQ's id for a scheduler's job, so a run is never added twice.
    const jobId = `repeat:${id}:${at}`;
    // Registered first: with a free handler the job starts inside `add`.
    entry.pendingJobId = jobId;
    byPendingJob.set(jobId, entry);
    const { added } = store.add(name, data, { jobId, dueAt: at, delayMs: at - nowFor(entry) });
    // The run at `at` already happened (a schedule re-upserted within the same millisecond).
    if (!added) {
      byPendingJob.delete(jobId);
      plan(entry, runAfter(entry, at));
    }
  }

  function runAfter(entry: Entry, previous: number): number | undefined {
    const now = nowFor(entry);
    const { every } = entry.schedule;
    if (every !== undefined) {
      // The next slot of the grid started by the previous run that lies in the future.
      return previous + every * (Math.floor(Math.max(0, now - previous) / every) + 1);
    }
    // The previous match, on the wall clock as it reads now: a step back since it was planned
    // would otherwise put the next match the step's length too late.
    return entry.cron?.nextRun(new Date(Math.max(now, previous + stepSince(entry))))?.getTime();
  }

  /**
   * Plans a cron schedule's pending run again after a step of the wall clock: at once for a match
   * the clock stepped past, else at the next match as the clock now reads.
   */
  function replanAfterStep(entry: Entry): void {
    const at = entry.nextRunAt;
    if (entry.pendingJobId === undefined || at === undefined || stepSince(entry) === 0) return;
    const now = clock.now();
    cancel(entry);
    plan(entry, at <= now ? at : entry.cron?.nextRun(new Date(now))?.getTime());
  }

  /** Looks for steps of the wall clock while there are cron schedules, whose runs follow it. */
  function watchForSteps(): void {
    const anyCron = [...entries.values()].some((entry) => entry.cron !== undefined);
    // A schedule removed after the queue closed must not start looking again.
    if (!anyCron || stopped) {
      stepCheck?.cancel();
      stepCheck = undefined;
      return;
    }
    stepCheck ??= startTimer(clock, STEP_CHECK_MS, () => {
      stepCheck = undefined;
      for (const entry of entries.values()) if (entry.cron) replanAfterStep(entry);
      watchForSteps();
    });
  }

  /**
   * Written again with the same timing (every write of an integration rewrites its schedules): as
   * BullMQ does, the pending run keeps its slot and only its data is replaced. Re-planned from now,
   * a rename would fire every interval schedule at once and move its grid.
   */
  function replaceData(entry: Entry, schedule: Schedule<unknown>): void {
    entry.schedule = schedule;
    if (entry.pendingJobId === undefined || entry.nextRunAt === undefined) return;
    // Kept as it was planned, a cron slot would pass for planned after a step not yet looked at.
    if (entry.cron && stepSince(entry) !== 0) return replanAfterStep(entry);
    cancel(entry);
    plan(entry, entry.nextRunAt);
  }

  function cancel(entry: Entry): void {
    if (entry.pendingJobId !== undefined) {
      store.removePending(entry.pendingJobId);
      byPendingJob.delete(entry.pendingJobId);
    }
  }

  return {
    upsert(schedule) {
      assertValidSchedule(schedule);
      const existing = entries.get(schedule.id);
      if (existing && sameTiming(existing.schedule, schedule)) {
        replaceData(existing, schedule);
        return;
      }
      const cron =
        schedule.cron === undefined
          ? undefined
          : new Cron(schedule.cron, { timezone: schedule.tz ?? DEFAULT_SCHEDULE_TZ });
      if (existing) cancel(existing);
      const entry: Entry = { schedule, cron, nextRunAt: undefined, lead: wallClockLead(clock) };
      entries.set(schedule.id, entry);
      // As in BullMQ: an interval runs at once, a cron pattern at its next match.
      plan(entry, cron ? cron.nextRun(new Date(clock.now()))?.getTime() : clock.now());
      watchForSteps();
    },

    remove(id) {
      const entry = entries.get(id);
      if (!entry) return false;
      cancel(entry);
      entries.delete(id);
      watchForSteps();
      return true;
    },

    list() {
      return [...entries.values()].map(({ schedule, nextRunAt }) => ({
        id: schedule.id,
        ...(schedule.every === undefined ? {} : { every: schedule.every }),
        ...(schedule.cron === undefined ? {} : { cron: schedule.cron, tz: schedule.tz ?? DEFAULT_SCHEDULE_TZ }),
        ...(nextRunAt === undefined ? {} : { nextRunAt: new Date(nextRunAt) }),
      }));
    },

    jobStarted(jobId) {
      const entry = byPendingJob.get(jobId);
      if (!entry || entry.nextRunAt === undefined) return;
      byPendingJob.delete(jobId);
      delete entry.pendingJobId;
      plan(entry, runAfter(entry, entry.nextRunAt));
    },

    stop() {
      stopped = true;
      stepCheck?.cancel();
      stepCheck = undefined;
    },
  };
}

/** Whether two schedules fire at the same times: the same interval, or the same cron in the same zone. */
function sameTiming(a: Schedule<unknown>, b: Schedule<unknown>): boolean {
  if (a.every !== undefined || b.every !== undefined) return a.every === b.every;
  return a.cron === b.cron && (a.tz ?? DEFAULT_SCHEDULE_TZ) === (b.tz ?? DEFAULT_SCHEDULE_TZ);
}
