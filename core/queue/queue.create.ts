// Picks the queue for how the hub runs: BullMQ when Redis is configured (production, scale-out),
// the in-process queue otherwise (embedded mode).
import { createBullmqQueue } from './bullmq.queue.ts';
import { createMemoryQueue } from './memory.queue.ts';
import type { JobQueue, QueueLogger } from './queue.types.ts';

export interface QueueConfig {
  redisUrl?: string | undefined;
  /** Redis key prefix; unused by the in-process queue. */
  prefix: string;
  logger?: QueueLogger | undefined;
}

export function createQueue(config: QueueConfig): JobQueue {
  const logger = config.logger === undefined ? {} : { logger: config.logger };
  if (config.redisUrl) {
    return createBullmqQueue({ redisUrl: config.redisUrl, prefix: config.prefix, ...logger });
  }
  return createMemoryQueue(logger);
}
