import { describe, expect, it } from 'vitest';
import { manualClock } from './memory.manual-clock.ts';
import { createMemoryQueue } from './memory.queue.ts';
import { describeQueueContract } from './queue.contract.ts';
import { KEEP_COMPLETED } from './queue.rules.ts';

const silent = { warn: () => {}, error: () => {} };

describeQueueContract('in-process', async () => createMemoryQueue({ logger: silent }));

// What the contract cannot show in real time: exact timetables, long waits and retention.
describe('in-process queue on a manual clock', () => {
  const start = Date.UTC(2030, 0, 1, 0, 30);

  it('retries on BullMQ’s exponential timetable', async () => {
    const { clock, advance } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    const attemptsAt: number[] = [];
    queue.process(
      'q',
      async () => {
        attemptsAt.push(clock.now() - start);
        throw new Error('down');
      },
      { concurrency: 1 },
    );
    await queue.add('q', 'flaky', {}, { attempts: 4, backoff: { type: 'exponential', delayMs: 1_000 } });
    await advance(60_000);
    expect(attemptsAt).toEqual([0, 1_000, 3_000, 7_000]);
    expect(await queue.counts('q')).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
    await queue.close();
  });

  it('waits out delays longer than a Node timer can hold', async () => {
    const { clock, advance } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    let ranAt: number | undefined;
    queue.process('q', async () => void (ranAt = clock.now() - start), { concurrency: 1 });
    const thirtyDays = 30 * 24 * 60 * 60 * 1_000;
    await queue.add('q', 'later', {}, { delayMs: thirtyDays });
    await advance(thirtyDays - 1);
    expect(ranAt).toBeUndefined();
    await advance(1);
    expect(ranAt).toBe(thirtyDays);
    await queue.close();
  });

  it('frees a completed job id once it ages out and another job finishes', async () => {
    const { clock, advance } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    queue.process('q', async () => {}, { concurrency: 1 });
    await queue.add('q', 'sync', {}, { jobId: 'once' });
    await advance(10);
    await advance(KEEP_COMPLETED.age * 1_000);
    expect((await queue.add('q', 'sync', {}, { jobId: 'once' })).added).toBe(false);
    await queue.add('q', 'other', {});
    await advance(10);
    expect((await queue.add('q', 'sync', {}, { jobId: 'once' })).added).toBe(true);
    await queue.close();
  });

  it('keeps the slot of a schedule written again with the same interval, and runs it with the new data', async () => {
    const { clock, advance } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    const runs: Array<[number, unknown]> = [];
    queue.process('q', async (job) => void runs.push([clock.now() - start, job.data]), { concurrency: 1 });
    await queue.upsertSchedule('q', { id: 'poll', name: 'poll', data: { v: 1 }, every: 60_000 });
    await advance(30_000);
    await queue.upsertSchedule('q', { id: 'poll', name: 'poll', data: { v: 2 }, every: 60_000 });
    await advance(60_000);
    expect(runs).toEqual([[0, { v: 1 }], [60_000, { v: 2 }]]);
    await queue.close();
  });

  it('runs a cron schedule at its matches and reports the next one', async () => {
    const { clock, advance } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    const runsAt: string[] = [];
    queue.process('q', async () => void runsAt.push(new Date(clock.now()).toISOString()), { concurrency: 1 });
    await queue.upsertSchedule('q', { id: 'hourly', name: 'digest', data: {}, cron: '0 * * * *', tz: 'UTC' });
    expect((await queue.listSchedules('q'))[0]?.nextRunAt?.toISOString()).toBe('2030-01-01T01:00:00.000Z');
    await advance(2 * 60 * 60 * 1_000);
    expect(runsAt).toEqual(['2030-01-01T01:00:00.000Z', '2030-01-01T02:00:00.000Z']);
    expect((await queue.listSchedules('q'))[0]?.nextRunAt?.toISOString()).toBe('2030-01-01T03:00:00.000Z');
    await queue.close();
  });
});
