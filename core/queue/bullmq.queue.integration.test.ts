import { afterAll, describe, expect, it } from 'vitest';
import { createBullmqQueue } from './bullmq.queue.ts';
import { describeQueueContract } from './queue.contract.ts';
import type { QueueLogger } from './queue.types.ts';
import { deleteRedisKeys } from '../../test-support/redis-keys.ts';
import { privateRedis } from '../../test-support/private-redis.ts';
import { PRODUCER_COMMAND_TIMEOUT_MS } from './bullmq.redis.ts';

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
// Every key this file writes starts with the prefix, so parallel files never meet and cleanup
// cannot touch anything else.
const prefix = `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const silent: QueueLogger = { warn: () => {}, error: () => {} };

describeQueueContract('BullMQ', async () => createBullmqQueue({ redisUrl, prefix, logger: silent }));

describe('BullMQ queue with Redis down', () => {
  it('rejects ping quickly and raises nothing unhandled', async () => {
    const unhandled: unknown[] = [];
    const record = (err: unknown): void => void unhandled.push(err);
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
    const logged: object[] = [];
    const logger: QueueLogger = { warn: (obj) => void logged.push(obj), error: (obj) => void logged.push(obj) };
    const queue = createBullmqQueue({ redisUrl: 'redis://127.0.0.1:1', prefix, logger });
    try {
      queue.process('down', async () => {}, { concurrency: 1 });
      const startedAt = Date.now();
      await expect(queue.ping()).rejects.toThrow();
      expect(Date.now() - startedAt).toBeLessThan(3_000);
      await expect(queue.add('down', 'sync', {})).rejects.toThrow();
      expect(Date.now() - startedAt).toBeLessThan(6_000);
      const closingAt = Date.now();
      await queue.close(1_000);
      expect(Date.now() - closingAt).toBeLessThan(5_000);
      // Give late connection errors a moment to surface before checking.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled).toEqual([]);
      expect(logged.length).toBeGreaterThan(0);
    } finally {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    }
  });
});

// A Redis that keeps its connections open and answers nothing (frozen, or behind a network that
// drops packets): a producer command once waited for TCP to give up, and the HTTP request adding
// the job (a sync, a new integration's schedule) with it.
describe('BullMQ queue with Redis frozen', () => {
  it('fails adds, schedule writes and counts within the command timeout, and works again once Redis answers', async () => {
    const redis = await privateRedis();
    const queue = createBullmqQueue({ redisUrl: redis.url, prefix, logger: silent });
    try {
      await queue.add('frozen', 'warm-up', {});
      redis.freeze();
      const bound = PRODUCER_COMMAND_TIMEOUT_MS + 2_000;
      for (const attempt of [
        () => queue.add('frozen', 'sync', {}),
        () => queue.upsertSchedule('frozen', { id: 'every-minute', name: 'poll', data: {}, every: 60_000 }),
        () => queue.removeSchedule('frozen', 'every-minute'),
        () => queue.counts('frozen'),
      ]) {
        const startedAt = Date.now();
        await expect(attempt()).rejects.toThrow();
        expect(Date.now() - startedAt).toBeLessThan(bound);
      }
      redis.thaw();
      await expect(queue.add('frozen', 'after', {})).resolves.toMatchObject({ added: true });
    } finally {
      redis.thaw();
      await queue.close(1_000);
      await redis.stop();
    }
  }, 60_000);
});

afterAll(async () => {
  await deleteRedisKeys(prefix);
});
