import { QueueUnavailableError, type JobQueue } from '../core/queue/queue.types.ts';
import { RUN_QUEUE } from '../core/runs/run.jobs.ts';

/**
 * Redis gone for runs: every enqueue of a run is refused, as BullMQ producers fail fast when Redis
 * is away; other queues work. Returns the function that puts the queue back.
 */
export function refuseRunEnqueues(queue: JobQueue): () => void {
  const realAdd = queue.add;
  queue.add = (async (name, ...rest) => {
    if (name === RUN_QUEUE) throw new QueueUnavailableError('redis unreachable');
    return realAdd.call(queue, name, ...rest);
  }) as typeof queue.add;
  return () => {
    queue.add = realAdd;
  };
}
