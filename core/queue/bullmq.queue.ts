// The job queue on BullMQ and Redis, for production and scale-out: any number of processes share
// the queues, and job schedulers keep one schedule per id across all of them.
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Job as BullJob, JobSchedulerJson, JobsOptions, RepeatOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  closeRedis,
  createRedis,
  pingRedis,
  throttledErrorReporter,
  whenReady,
} from './bullmq.redis.ts';
import { settlesWithin } from '../timing/deadline.ts';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  KEEP_COMPLETED,
  KEEP_FAILED,
  assertValidJobId,
  assertValidSchedule,
  assertValidWorkerOptions,
  consoleLogger,
} from './queue.rules.ts';
import { DEFAULT_SCHEDULE_TZ, NonRetryableError, QueueClosedError } from './queue.types.ts';
import type {
  JobHandler,
  JobOptions,
  JobQueue,
  QueueLogger,
  Schedule,
  ScheduleInfo,
} from './queue.types.ts';

export interface BullmqQueueOptions {
  redisUrl: string;
  /** Namespaces every Redis key, so several hubs (or test files) can share one Redis. */
  prefix: string;
  logger?: QueueLogger;
}

// Short enough for a health check or an HTTP handler to answer while Redis is down.
const READY_TIMEOUT_MS = 2_000;
const PING_TIMEOUT_MS = 1_500;
// Bounds each shutdown step after the jobs in flight, so a dead Redis cannot hang shutdown.
const CLOSE_STEP_TIMEOUT_MS = 2_000;
// A forced disconnect acts at once; only its promise may never settle (see shutdown).
const DISCONNECT_WAIT_MS = 500;

export function createBullmqQueue(options: BullmqQueueOptions): JobQueue {
  const { redisUrl, prefix } = options;
  const logger = options.logger ?? consoleLogger;
  const producer = createRedis(redisUrl, 'producer', logger);
  let workerConnection: Redis | undefined;
  const queues = new Map<string, Queue>();
  const handled = new Set<string>();
  const workers = new Map<string, Worker>();
  const inFlight = { count: 0 };
  let closing: Promise<void> | undefined;
  // Set once the workers have drained. Until then jobs in flight may still add jobs (a poll handed
  // back on a stop, the events of its last page) for the other processes to take.
  let producersClosed = false;

  async function open(name: string): Promise<Queue> {
    if (producersClosed) throw new QueueClosedError(`queue ${name} is closed`);
    await whenReady(producer, READY_TIMEOUT_MS);
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: producer,
        prefix,
        defaultJobOptions: { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED },
      });
      queue.on('error', throttledErrorReporter(logger, { queue: name }, 'queue error'));
      queues.set(name, queue);
    }
    return queue;
  }

  function connectWorkers(): Redis {
    // One connection for all workers; each Worker adds its own blocking connection to it.
    workerConnection ??= createRedis(redisUrl, 'worker', logger);
    return workerConnection;
  }

  // The Worker is made only once Redis answers: BullMQ's Worker.close never returns while its
  // connection has never been ready, and its reconnect timers would keep the process alive.
  async function startWorker<T>(name: string, handler: JobHandler<T>, concurrency: number): Promise<void> {
    const connection = connectWorkers();
    await whenReady(connection);
    if (closing) return;
    const worker = new Worker<T>(name, toProcessor(handler, inFlight), {
      connection,
      prefix,
      concurrency,
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    });
    worker.on('error', throttledErrorReporter(logger, { queue: name }, 'worker error'));
    worker.on('failed', (job, err) => {
      // BullMQ reports every failed attempt; only the last one is worth a warning.
      if (job && (err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1))) {
        logger.warn({ queue: name, jobId: job.id, name: job.name, attempt: job.attemptsMade, err }, 'job failed');
      }
    });
    workers.set(name, worker);
  }

  async function shutdown(timeoutMs: number): Promise<void> {
    const running = [...workers.values()];
    // Worker.close stops fetching at once and resolves when the jobs in flight have finished.
    const drained = await settlesWithin(Promise.all(running.map((w) => w.close())), timeoutMs);
    if (!drained) {
      // Worker.close also hangs, with no job running, when Redis went away: its blocking
      // connection never reports 'end'. Disconnecting stops its reconnect attempts either way.
      logger.warn(
        // A stop passes on what is left of its budget, a fraction of a millisecond off: log whole ms.
        { timeoutMs: Math.round(timeoutMs), jobsInFlight: inFlight.count },
        inFlight.count > 0
          ? 'jobs still running at close timeout; BullMQ will retry them as stalled'
          : 'workers did not close in time; Redis is probably unreachable',
      );
      await settlesWithin(Promise.all(running.map((w) => w.disconnect())), DISCONNECT_WAIT_MS);
    }
    producersClosed = true;
    await settlesWithin(Promise.all([...queues.values()].map((q) => q.close())), CLOSE_STEP_TIMEOUT_MS);
    await Promise.all([
      closeRedis(producer, CLOSE_STEP_TIMEOUT_MS),
      workerConnection && closeRedis(workerConnection, CLOSE_STEP_TIMEOUT_MS),
    ]);
  }

  return {
    kind: 'bullmq',

    async add(queue, name, data, jobOptions = {}) {
      if (jobOptions.jobId !== undefined) assertValidJobId(jobOptions.jobId);
      const target = await open(queue);
      const timestamp = Date.now();
      const job = await target.add(name, data, toJobsOptions(jobOptions, timestamp));
      const id = String(job.id);
      if (jobOptions.jobId === undefined) return { id, added: true };
      // BullMQ answers a duplicate id just like a new job; the stored timestamp tells whose it is.
      const stored = await target.getJob(id);
      return { id, added: stored?.timestamp === timestamp };
    },

    async upsertSchedule(queue, schedule) {
      assertValidSchedule(schedule);
      const target = await open(queue);
      await target.upsertJobScheduler(schedule.id, toRepeatOptions(schedule), {
        name: schedule.name,
        data: schedule.data,
      });
    },

    async removeSchedule(queue, id) {
      const target = await open(queue);
      const next = (await target.getJobScheduler(id))?.next;
      const removed = await target.removeJobScheduler(id);
      // BullMQ removes the scheduler's next job only while it is delayed: one that came due and
      // waits for a worker would still run once the schedule is gone (a poll after a pause, on top
      // of the resume's). Not one a worker has taken: that one is locked, and stays.
      if (next !== undefined && next !== null) await target.remove(`repeat:${id}:${next}`);
      return removed;
    },

    async listSchedules(queue) {
      const schedulers = await (await open(queue)).getJobSchedulers(0, -1, true);
      return schedulers.map(toScheduleInfo);
    },

    process(queue, handler, workerOptions) {
      assertValidWorkerOptions(workerOptions);
      if (closing) throw new QueueClosedError(`queue ${queue} is closed`);
      if (handled.has(queue)) throw new Error(`queue ${queue} already has a handler`);
      handled.add(queue);
      // Rejects only when the connection ends, which is when the queue closes.
      startWorker(queue, handler, workerOptions.concurrency).catch(() => {});
    },

    async counts(queue) {
      const counts = await (await open(queue)).getJobCounts(
        'wait',
        'prioritized',
        'active',
        'delayed',
        'failed',
      );
      return {
        waiting: (counts['wait'] ?? 0) + (counts['prioritized'] ?? 0),
        active: counts['active'] ?? 0,
        delayed: counts['delayed'] ?? 0,
        failed: counts['failed'] ?? 0,
      };
    },

    async ping() {
      if (closing) throw new QueueClosedError('queue is closed');
      await pingRedis(producer, PING_TIMEOUT_MS);
    },

    close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS) {
      closing ??= shutdown(timeoutMs);
      return closing;
    },
  };
}

/** A job scheduler's job is named after its slot, the millisecond it was due: `repeat:<scheduler id>:<slot>`. */
const SCHEDULED_JOB_ID = /^repeat:.+:(\d+)$/;

/**
 * When the job was meant to start. A schedule's job is added when the one before it starts, so its
 * slot is only exact in its id; any other job is due at its add time plus its delay (taken from the
 * options: `job.delay` reads 0 once a delayed job has been promoted).
 */
function dueAt(job: BullJob): Date {
  const slot = SCHEDULED_JOB_ID.exec(String(job.id))?.[1];
  return new Date(slot !== undefined ? Number(slot) : (job.opts.timestamp ?? job.timestamp) + (job.opts.delay ?? 0));
}

function toProcessor<T>(
  handler: JobHandler<T>,
  inFlight: { count: number },
): (job: BullJob<T>) => Promise<void> {
  return async (job) => {
    inFlight.count += 1;
    try {
      await handler({ id: String(job.id), name: job.name, data: job.data, attempt: job.attemptsMade + 1, dueAt: dueAt(job) });
    } catch (err) {
      // BullMQ reads err.message when a job fails: a rejection with undefined or null would leave
      // the job active until the stalled-job check instead of retrying it.
      if (!(err instanceof Error)) throw new Error(`job handler rejected with a non-Error: ${String(err)}`);
      if (!(err instanceof NonRetryableError)) throw err;
      // BullMQ skips the remaining attempts only for its own error type.
      const unrecoverable = new UnrecoverableError(err.message);
      if (err.stack !== undefined) unrecoverable.stack = err.stack;
      throw unrecoverable;
    } finally {
      inFlight.count -= 1;
    }
  };
}

function toJobsOptions(options: JobOptions, timestamp: number): JobsOptions {
  const { jobId, delayMs, attempts, backoff } = options;
  return {
    timestamp,
    ...(jobId === undefined ? {} : { jobId }),
    ...(delayMs === undefined ? {} : { delay: delayMs }),
    ...(attempts === undefined ? {} : { attempts }),
    ...(backoff === undefined ? {} : { backoff: { type: backoff.type, delay: backoff.delayMs } }),
  };
}

function toRepeatOptions(schedule: Schedule<unknown>): Omit<RepeatOptions, 'key'> {
  // A pattern is read in UTC unless a zone is given, not in whatever zone each worker runs in.
  if (schedule.cron !== undefined) return { pattern: schedule.cron, tz: schedule.tz ?? DEFAULT_SCHEDULE_TZ };
  return { every: schedule.every ?? 0 };
}

function toScheduleInfo(scheduler: JobSchedulerJson): ScheduleInfo {
  const { key, every, pattern, next, tz } = scheduler;
  return {
    id: key,
    ...(every === undefined || every === null ? {} : { every: Number(every) }),
    ...(pattern === undefined || pattern === null ? {} : { cron: pattern, tz: tz ?? DEFAULT_SCHEDULE_TZ }),
    ...(next === undefined || next === null ? {} : { nextRunAt: new Date(Number(next)) }),
  };
}
