import { afterAll, describe, expect, it } from 'vitest';
import { createBullmqQueue } from './bullmq.queue.ts';
import type { QueueLogger } from './queue.types.ts';
import { deleteRedisKeys } from '../../test-support/redis-keys.ts';
import { testRedisUrl, uniquePrefix } from '../../test-support/test-database.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// A stop hands the queue what is left of the shutdown budget, a fraction of a millisecond off a
// round number; the warning an operator reads when jobs outlast it names whole milliseconds.

const prefix = uniquePrefix('bullmq-close');

afterAll(async () => {
  await deleteRedisKeys(prefix);
});

describe('closing a BullMQ queue whose job outlasts the timeout', () => {
  it('warns with the timeout in whole milliseconds and the jobs still in flight', async () => {
    const warnings: Array<{ fields: Record<string, unknown>; msg: string }> = [];
    const logger: QueueLogger = {
      warn: (fields, msg) => void warnings.push({ fields: fields as Record<string, unknown>, msg: msg ?? '' }),
      error: () => {},
    };
    const queue = createBullmqQueue({ redisUrl: testRedisUrl(), prefix, logger });
    let started = false;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    queue.process('slow', async () => {
      started = true;
      await held;
    }, { concurrency: 1 });
    await queue.add('slow', 'job', {});
    await waitFor('the job to start', async () => started, 10_000);

    await queue.close(300.7);
    release();

    const warning = warnings.find((entry) => entry.msg.includes('close timeout'));
    expect(warning?.fields).toMatchObject({ timeoutMs: 301, jobsInFlight: 1 });
  });
});
