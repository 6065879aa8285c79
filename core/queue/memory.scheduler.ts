// Repeatable schedules of one in-process queue, following BullMQ's job schedulers: a schedule has
// at most one pending job, and its next run is planned when that job starts. So a schedule whose
// queue has no handler yet holds one job, not a pile of missed runs.
import { Cron } from 'croner';
import type { QueueClock } from './memory.clock.ts';
import type { JobStore } from './memory.store.ts';
import { assertValidSchedule } from './queue.rules.ts';
import { DEFAULT_SCHEDULE_TZ, type Schedule, type ScheduleInfo } from './queue.types.ts';

interface Entry {
  schedule: Schedule<unknown>;
  cron: Cron | undefined;
  /** Time of the pending or next run, ms; undefined when a cron pattern has no further run. */
  nextRunAt: number | undefined;
  pendingJobId?: string;
}

export interface MemoryScheduler {
  upsert(schedule: Schedule<unknown>): void;
  remove(id: string): boolean;
  list(): ScheduleInfo[];
  /** Tells the scheduler a job started, so the schedule that made it can plan its next run. */
  jobStarted(jobId: string): void;
}

export function createScheduler(clock: QueueClock, store: JobStore): MemoryScheduler {
  const entries = new Map<string, Entry>();
  const byPendingJob = new Map<string, Entry>();

  // Like BullMQ, the next run waits as a delayed job, so `counts` shows it and the store's
  // timers are the only ones to clear on close.
  function plan(entry: Entry, at: number | undefined): void {
    entry.nextRunAt = at;
    if (at === undefined) return;
    const { id, name, data } = entry.schedule;
    // BullMQ's id for a scheduler's job, so a run is never added twice.
    const jobId = `repeat:${id}:${at}`;
    // Registered first: with a free handler the job starts inside `add`.
    entry.pendingJobId = jobId;
    byPendingJob.set(jobId, entry);
    const { added } = store.add(name, data, { jobId, dueAt: at });
    // The run at `at` already happened (a schedule re-upserted within the same millisecond).
    if (!added) {
      byPendingJob.delete(jobId);
      plan(entry, runAfter(entry, at));
    }
  }

  function runAfter(entry: Entry, previous: number): number | undefined {
    const now = clock.now();
    const { every } = entry.schedule;
    if (every !== undefined) {
      // The next slot of the grid started by the previous run that lies in the future.
      return previous + every * (Math.floor(Math.max(0, now - previous) / every) + 1);
    }
    return entry.cron?.nextRun(new Date(Math.max(now, previous)))?.getTime();
  }

  /**
   * Written again with the same timing (every write of an integration rewrites its schedules): as
   * BullMQ does, the pending run keeps its slot and only its data is replaced. Re-planned from now,
   * a rename would fire every interval schedule at once and move its grid.
   */
  function replaceData(entry: Entry, schedule: Schedule<unknown>): void {
    entry.schedule = schedule;
    if (entry.pendingJobId === undefined || entry.nextRunAt === undefined) return;
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
      const entry: Entry = { schedule, cron, nextRunAt: undefined };
      entries.set(schedule.id, entry);
      // As in BullMQ: an interval runs at once, a cron pattern at its next match.
      plan(entry, cron ? cron.nextRun(new Date(clock.now()))?.getTime() : clock.now());
    },

    remove(id) {
      const entry = entries.get(id);
      if (!entry) return false;
      cancel(entry);
      entries.delete(id);
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
  };
}

/** Whether two schedules fire at the same times: the same interval, or the same cron in the same zone. */
function sameTiming(a: Schedule<unknown>, b: Schedule<unknown>): boolean {
  if (a.every !== undefined || b.every !== undefined) return a.every === b.every;
  return a.cron === b.cron && (a.tz ?? DEFAULT_SCHEDULE_TZ) === (b.tz ?? DEFAULT_SCHEDULE_TZ);
}
