// The jobs of one in-process queue: waiting, delayed, active and recently finished ones.
import { backoffDelayMs } from './memory.backoff.ts';
import { startTimer } from './memory.clock.ts';
import type { QueueClock, Timer } from './memory.clock.ts';
import { KEEP_COMPLETED, KEEP_FAILED } from './queue.rules.ts';
import { NonRetryableError } from './queue.types.ts';
import type {
  AddResult,
  Backoff,
  JobHandler,
  JobOptions,
  QueueCounts,
  QueueLogger,
} from './queue.types.ts';

export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

interface StoredJob {
  id: string;
  name: string;
  /** Kept as JSON, as BullMQ does, so handlers see the same data in both modes. */
  json: string | undefined;
  attempts: number;
  backoff: Backoff | undefined;
  attemptsMade: number;
  /** Add time plus delay, in wall-clock milliseconds, or the schedule slot the job stands for. */
  dueAt: number;
  state: JobState;
  timer?: Timer;
  /** Elapsed-time milliseconds (memory.clock.ts), so a wall clock set back keeps nothing longer. */
  finishedAt?: number;
}

/**
 * A job's options as the store takes them: `dueAt` (epoch ms) names the slot a schedule's job stands
 * for exactly, while `delayMs` alone times it (the scheduler keeps track of wall-clock steps).
 */
export type StoreJobOptions = JobOptions & { dueAt?: number };

export interface JobStore {
  add(name: string, data: unknown, options: StoreJobOptions): AddResult;
  /** Removes a job that has not started yet; false when it is active, finished or unknown. */
  removePending(id: string): boolean;
  setHandler(handler: JobHandler<unknown>, concurrency: number): void;
  counts(): QueueCounts;
  /** Starts nothing more, clears timers; resolves once the handlers in flight have finished. */
  stop(): Promise<void>;
}

export interface JobStoreDeps {
  queue: string;
  clock: QueueClock;
  logger: QueueLogger;
  /** Called as a job becomes active; the scheduler plans its next run from there, as BullMQ does. */
  onStart(jobId: string): void;
}

export function createJobStore(deps: JobStoreDeps): JobStore {
  const { queue, clock, logger } = deps;
  const jobs = new Map<string, StoredJob>();
  const waiting: string[] = [];
  const completed: string[] = [];
  const failed: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let handler: JobHandler<unknown> | undefined;
  let concurrency = 0;
  let active = 0;
  let nextId = 1;
  let stopped = false;

  function enqueue(job: StoredJob, delayMs: number): void {
    if (delayMs > 0) {
      job.state = 'delayed';
      if (stopped) return;
      job.timer = startTimer(clock, delayMs, () => {
        delete job.timer;
        job.state = 'waiting';
        waiting.push(job.id);
        pump();
      });
      return;
    }
    job.state = 'waiting';
    waiting.push(job.id);
    pump();
  }

  function pump(): void {
    while (handler && !stopped && active < concurrency) {
      const id = waiting.shift();
      if (id === undefined) return;
      const job = jobs.get(id);
      if (job?.state === 'waiting') start(job, handler);
    }
  }

  function start(job: StoredJob, run: JobHandler<unknown>): void {
    job.state = 'active';
    active += 1;
    deps.onStart(job.id);
    const attempt = job.attemptsMade + 1;
    const data: unknown = job.json === undefined ? undefined : JSON.parse(job.json);
    const done = (async () => {
      try {
        await run({ id: job.id, name: job.name, data, attempt, dueAt: new Date(job.dueAt) });
        finish(job, 'completed');
      } catch (err) {
        retryOrFail(job, err);
      } finally {
        active -= 1;
      }
    })();
    inFlight.add(done);
    void done.finally(() => {
      inFlight.delete(done);
      pump();
    });
  }

  function retryOrFail(job: StoredJob, err: unknown): void {
    job.attemptsMade += 1;
    if (err instanceof NonRetryableError || job.attemptsMade >= job.attempts) {
      finish(job, 'failed');
      logger.warn({ queue, jobId: job.id, name: job.name, attempt: job.attemptsMade, err }, 'job failed');
      return;
    }
    enqueue(job, backoffDelayMs(job.backoff, job.attemptsMade));
  }

  function finish(job: StoredJob, state: 'completed' | 'failed'): void {
    job.state = state;
    job.finishedAt = clock.elapsed();
    const list = state === 'completed' ? completed : failed;
    list.push(job.id);
    prune(list, state === 'completed' ? KEEP_COMPLETED : KEEP_FAILED);
  }

  // Like BullMQ, old finished jobs are evicted only when another job finishes.
  function prune(list: string[], keep: { age: number; count: number }): void {
    const oldestKept = clock.elapsed() - keep.age * 1000;
    for (let id = list[0]; id !== undefined; id = list[0]) {
      const finishedAt = jobs.get(id)?.finishedAt ?? -Infinity;
      if (list.length <= keep.count && finishedAt >= oldestKept) return;
      list.shift();
      jobs.delete(id);
    }
  }

  return {
    add(name, data, options) {
      if (options.jobId !== undefined && jobs.has(options.jobId)) {
        return { id: options.jobId, added: false };
      }
      const id = options.jobId ?? String(nextId++);
      // A schedule's slot is given as a time: one computed from the delay would be read against a
      // clock that may have moved on by a millisecond, putting dueAt off the schedule's grid.
      const delayMs = Math.max(0, options.delayMs ?? 0);
      const dueAt = options.dueAt ?? clock.now() + delayMs;
      const job: StoredJob = {
        id,
        name,
        json: JSON.stringify(data),
        attempts: Math.max(1, options.attempts ?? 1),
        backoff: options.backoff,
        attemptsMade: 0,
        dueAt,
        state: 'waiting',
      };
      jobs.set(id, job);
      enqueue(job, delayMs);
      return { id, added: true };
    },

    removePending(id) {
      const job = jobs.get(id);
      if (!job || (job.state !== 'waiting' && job.state !== 'delayed')) return false;
      job.timer?.cancel();
      jobs.delete(id);
      const at = waiting.indexOf(id);
      if (at >= 0) waiting.splice(at, 1);
      return true;
    },

    setHandler(next, limit) {
      handler = next;
      concurrency = limit;
      pump();
    },

    counts() {
      const counts: QueueCounts = { waiting: 0, active: 0, delayed: 0, failed: 0 };
      for (const job of jobs.values()) {
        if (job.state !== 'completed') counts[job.state] += 1;
      }
      return counts;
    },

    async stop() {
      stopped = true;
      for (const job of jobs.values()) {
        job.timer?.cancel();
        delete job.timer;
      }
      await Promise.all(inFlight);
    },
  };
}
