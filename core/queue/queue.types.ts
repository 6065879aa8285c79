// The one job-queue contract of the hub. Two implementations satisfy it: BullMQ on Redis
// (scale-out) and an in-process queue (embedded mode). Postgres stays the source of truth; the
// queue only dispatches work, so every implementation may lose jobs on a crash without data loss.

export interface Backoff {
  type: 'exponential' | 'fixed';
  /** Base delay in milliseconds; exponential doubles it on every further attempt. */
  delayMs: number;
}

export interface JobOptions {
  /** A job with an id is added at most once while a job with that id is known to the queue. */
  jobId?: string;
  delayMs?: number;
  /** Total attempts including the first; default 1. */
  attempts?: number;
  backoff?: Backoff;
}

export interface Job<T = unknown> {
  id: string;
  name: string;
  data: T;
  /** 1 on the first attempt. */
  attempt: number;
  /**
   * When the job was meant to start: its add time plus its delay, which for a schedule's job is the
   * fire time, however late a busy worker picks it up.
   */
  dueAt: Date;
}

export type JobHandler<T = unknown> = (job: Job<T>) => Promise<void>;

export interface WorkerOptions {
  /** Jobs of this queue processed at once by this process. */
  concurrency: number;
}

export interface Schedule<T = unknown> {
  /** Stable key: upserting the same id replaces the schedule instead of adding one. */
  id: string;
  name: string;
  data: T;
  /** Either a fixed interval in milliseconds or a cron expression (5 or 6 fields). */
  every?: number;
  cron?: string;
  /** The zone a cron expression is read in; DEFAULT_SCHEDULE_TZ when absent. */
  tz?: string;
}

/** Cron expressions without a zone are read in UTC, whatever zone each process runs in. */
export const DEFAULT_SCHEDULE_TZ = 'UTC';

export interface ScheduleInfo {
  id: string;
  every?: number;
  cron?: string;
  tz?: string;
  nextRunAt?: Date;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface AddResult {
  id: string;
  /** false when a job with the same id already existed and nothing was added. */
  added: boolean;
}

export interface JobQueue {
  readonly kind: 'bullmq' | 'memory';
  add<T>(queue: string, name: string, data: T, options?: JobOptions): Promise<AddResult>;
  upsertSchedule<T>(queue: string, schedule: Schedule<T>): Promise<void>;
  removeSchedule(queue: string, id: string): Promise<boolean>;
  listSchedules(queue: string): Promise<ScheduleInfo[]>;
  /** Starts consuming `queue` in this process. One handler per queue name. */
  process<T>(queue: string, handler: JobHandler<T>, options: WorkerOptions): void;
  counts(queue: string): Promise<QueueCounts>;
  /** Throws when the queue backend cannot be reached (used by the health check). */
  ping(): Promise<void>;
  /**
   * Stops taking new jobs, waits up to `timeoutMs` for jobs in flight to finish, then closes
   * connections. Safe to call twice. A queue shared with other processes (BullMQ) still takes
   * `add`s while its jobs in flight finish, so they can hand work to those processes; the
   * in-process queue, whose jobs end with the process, refuses them from the start of the close.
   */
  close(timeoutMs?: number): Promise<void>;
}

/** Thrown by a handler when retrying cannot help (bad input, permanent upstream refusal). */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

/** Thrown by `process` once `close` has been called, and by `add` and `upsertSchedule` once it has drained (see `close`). */
export class QueueClosedError extends Error {
  override name = 'QueueClosedError';
}

/** Thrown when the queue backend does not answer in time (Redis down or unreachable). */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

/** The part of a pino logger the queue uses; it only reports trouble. */
export interface QueueLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
