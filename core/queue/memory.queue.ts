// The in-process queue of embedded mode: same contract as BullMQ, nothing to run beside the hub.
// Jobs live in memory only; Postgres is the source of truth, so a restart loses no work.
import { delay, systemClock } from './memory.clock.ts';
import type { QueueClock } from './memory.clock.ts';
import { createScheduler } from './memory.scheduler.ts';
import type { MemoryScheduler } from './memory.scheduler.ts';
import { createJobStore } from './memory.store.ts';
import type { JobStore } from './memory.store.ts';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  assertValidJobId,
  assertValidWorkerOptions,
  consoleLogger,
} from './queue.rules.ts';
import { QueueClosedError } from './queue.types.ts';
import type { JobHandler, JobQueue, QueueLogger } from './queue.types.ts';

export interface MemoryQueueOptions {
  clock?: QueueClock;
  logger?: QueueLogger;
}

interface NamedQueue {
  store: JobStore;
  scheduler: MemoryScheduler;
  hasHandler: boolean;
}

export function createMemoryQueue(options: MemoryQueueOptions = {}): JobQueue {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? consoleLogger;
  const queues = new Map<string, NamedQueue>();
  let closing: Promise<void> | undefined;

  function named(queue: string): NamedQueue {
    let found = queues.get(queue);
    if (!found) {
      const store = createJobStore({
        queue,
        clock,
        logger,
        onStart: (jobId) => scheduler.jobStarted(jobId),
      });
      const scheduler = createScheduler(clock, store);
      found = { store, scheduler, hasHandler: false };
      queues.set(queue, found);
    }
    return found;
  }

  function open(queue: string): NamedQueue {
    if (closing) throw new QueueClosedError(`queue ${queue} is closed`);
    return named(queue);
  }

  async function shutdown(timeoutMs: number): Promise<void> {
    for (const { scheduler } of queues.values()) scheduler.stop();
    const stopping = [...queues.values()].map(({ store }) => store.stop());
    const wait = delay(clock, timeoutMs);
    const finished = await Promise.race([
      Promise.all(stopping).then(() => true),
      wait.done.then(() => false),
    ]);
    wait.timer.cancel();
    if (!finished) {
      logger.warn({ timeoutMs }, 'queue closed with jobs still running; they are abandoned');
    }
  }

  return {
    kind: 'memory',

    async add(queue, name, data, jobOptions = {}) {
      if (jobOptions.jobId !== undefined) assertValidJobId(jobOptions.jobId);
      return open(queue).store.add(name, data, jobOptions);
    },

    async upsertSchedule(queue, schedule) {
      open(queue).scheduler.upsert(schedule);
    },

    async removeSchedule(queue, id) {
      return named(queue).scheduler.remove(id);
    },

    async listSchedules(queue) {
      return named(queue).scheduler.list();
    },

    process<T>(queue: string, handler: JobHandler<T>, workerOptions: { concurrency: number }) {
      assertValidWorkerOptions(workerOptions);
      const target = open(queue);
      if (target.hasHandler) throw new Error(`queue ${queue} already has a handler`);
      target.hasHandler = true;
      // The store keeps data as JSON; the handler states what shape it expects.
      target.store.setHandler(handler as JobHandler<unknown>, workerOptions.concurrency);
    },

    async counts(queue) {
      return named(queue).store.counts();
    },

    async ping() {},

    close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS) {
      closing ??= shutdown(timeoutMs);
      return closing;
    },
  };
}
