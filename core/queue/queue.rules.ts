// Rules both implementations follow, so a mistake caught in production (BullMQ) is caught the
// same way in embedded mode and in tests.
import type { QueueLogger, Schedule, WorkerOptions } from './queue.types.ts';

/**
 * How long finished jobs are kept. While kept, their id blocks a new job with the same id
 * (BullMQ semantics). BullMQ keeps them forever by default, which grows Redis without bound, so
 * we bound both by age (seconds, as BullMQ counts) and by count.
 */
export const KEEP_COMPLETED = { age: 60 * 60, count: 1000 } as const;
export const KEEP_FAILED = { age: 7 * 24 * 60 * 60, count: 5000 } as const;

export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** BullMQ rejects these ids (they collide with its own numeric ids and key separators). */
export function assertValidJobId(jobId: string): void {
  if (jobId === '' || `${Number.parseInt(jobId, 10)}` === jobId) {
    throw new Error(`Custom job id cannot be empty or an integer: ${jobId}`);
  }
  // BullMQ still accepts the three-part ids of its legacy repeatable jobs.
  if (jobId.includes(':') && jobId.split(':').length !== 3) {
    throw new Error(`Custom job id cannot contain ':' unless it has exactly three parts: ${jobId}`);
  }
}

export function assertValidSchedule(schedule: Schedule<unknown>): void {
  const hasEvery = schedule.every !== undefined;
  const hasCron = schedule.cron !== undefined;
  if (hasEvery === hasCron) {
    throw new Error(`Schedule ${schedule.id} needs exactly one of 'every' and 'cron'`);
  }
  if (hasEvery && !(Number.isInteger(schedule.every) && (schedule.every ?? 0) > 0)) {
    throw new Error(`Schedule ${schedule.id}: 'every' must be a positive integer of milliseconds`);
  }
}

export function assertValidWorkerOptions(options: WorkerOptions): void {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new Error(`concurrency must be a positive integer, got ${options.concurrency}`);
  }
}

/** Used when the caller passes no logger: trouble with the queue must never go unseen. */
export const consoleLogger: QueueLogger = {
  warn: (obj, msg) => console.warn(msg ?? '', obj),
  error: (obj, msg) => console.error(msg ?? '', obj),
};
