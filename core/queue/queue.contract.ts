// The behaviour every JobQueue must show. Both implementations run this same suite, so embedded
// mode cannot drift from production. Timings are short but only bound from one side (a delay is
// never early; a deadline is generous), so a loaded machine makes the suite slower, not red.
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, gate, gaps, SLACK_MS, sleep } from './queue.contract.helpers.ts';
import { NonRetryableError, QueueClosedError } from './queue.types.ts';
import type { Job, JobQueue } from './queue.types.ts';
import { describeScheduleContract, type FreshQueue } from './queue.contract.schedules.ts';

export function describeQueueContract(label: string, makeQueue: () => Promise<JobQueue>): void {
  describe(`JobQueue contract: ${label}`, () => {
    const opened: JobQueue[] = [];
    let counter = 0;

    const fresh: FreshQueue = async () => {
      const queue = await makeQueue();
      opened.push(queue);
      counter += 1;
      return { queue, name: `contract-${counter}-${Math.random().toString(36).slice(2, 8)}` };
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close(2_000)));
    });

    describe('adding', () => {
      it('adds a job with an id once while the queue still knows it', async () => {
        const { queue, name } = await fresh();
        expect(await queue.add(name, 'sync', { n: 1 }, { jobId: 'job-a' })).toEqual({ id: 'job-a', added: true });
        expect(await queue.add(name, 'sync', { n: 2 }, { jobId: 'job-a' })).toEqual({ id: 'job-a', added: false });

        const seen: unknown[] = [];
        queue.process(name, async (job) => void seen.push(job.data), { concurrency: 1 });
        await eventually(async () => {
          expect(seen).toEqual([{ n: 1 }]);
          expect(await queue.counts(name)).toMatchObject({ waiting: 0, active: 0 });
        });
        // A completed job is kept for a while, and its id still blocks a new job.
        expect(await queue.add(name, 'sync', { n: 3 }, { jobId: 'job-a' })).toEqual({ id: 'job-a', added: false });
        await sleep(150);
        expect(seen).toEqual([{ n: 1 }]);
      });

      it('gives jobs without an id distinct ids', async () => {
        const { queue, name } = await fresh();
        const first = await queue.add(name, 'sync', {});
        const second = await queue.add(name, 'sync', {});
        expect(first.added && second.added).toBe(true);
        expect(first.id).not.toBe(second.id);
      });

      it('rejects ids that BullMQ cannot store', async () => {
        const { queue, name } = await fresh();
        await expect(queue.add(name, 'sync', {}, { jobId: '42' })).rejects.toThrow();
        await expect(queue.add(name, 'sync', {}, { jobId: 'a:b' })).rejects.toThrow();
      });

      it('hands the handler the job as JSON, with its name and attempt', async () => {
        const { queue, name } = await fresh();
        const received: Job[] = [];
        queue.process(name, async (job) => void received.push(job), { concurrency: 1 });
        const addedAt = Date.now();
        const { id } = await queue.add(name, 'sync', { at: new Date(0), list: [1, 2] });
        await eventually(() => expect(received).toHaveLength(1));
        expect(received[0]).toEqual({
          id,
          name: 'sync',
          data: { at: '1970-01-01T00:00:00.000Z', list: [1, 2] },
          attempt: 1,
          dueAt: expect.any(Date),
        });
        expect(Math.abs((received[0]?.dueAt.getTime() ?? 0) - addedAt)).toBeLessThanOrEqual(1_000);
      });

      it('runs a delayed job no earlier than its delay', async () => {
        const { queue, name } = await fresh();
        const ranAt: number[] = [];
        const dueAt: number[] = [];
        const addedAt = Date.now();
        await queue.add(name, 'later', {}, { delayMs: 300 });
        // Counted before any handler exists: with one, a busy machine may take the 300 ms between
        // the add and the count, and the job would rightly be waiting or done by then.
        expect(await queue.counts(name)).toMatchObject({ delayed: 1, waiting: 0 });
        queue.process(name, async (job) => void (ranAt.push(Date.now()), dueAt.push(job.dueAt.getTime())), { concurrency: 1 });
        await eventually(() => expect(ranAt).toHaveLength(1));
        expect((ranAt[0] ?? 0) - addedAt).toBeGreaterThanOrEqual(300 - SLACK_MS);
        // Due when the delay ends, not when a worker got to it.
        expect((dueAt[0] ?? 0) - addedAt).toBeGreaterThanOrEqual(300 - SLACK_MS);
        expect((dueAt[0] ?? 0) - addedAt).toBeLessThanOrEqual(300 + 1_000);
      });
    });

    describe('retries', () => {
      it('retries with exponential backoff, waiting longer each time', async () => {
        const { queue, name } = await fresh();
        const attempts: number[] = [];
        const times: number[] = [];
        queue.process(
          name,
          async (job) => {
            attempts.push(job.attempt);
            times.push(Date.now());
            throw new Error('upstream down');
          },
          { concurrency: 1 },
        );
        await queue.add(name, 'flaky', {}, { attempts: 4, backoff: { type: 'exponential', delayMs: 100 } });
        await eventually(async () => expect(await queue.counts(name)).toMatchObject({ failed: 1, delayed: 0 }));
        expect(attempts).toEqual([1, 2, 3, 4]);
        const [first = 0, second = 0, third = 0] = gaps(times);
        expect(first).toBeGreaterThanOrEqual(100 - SLACK_MS);
        expect(second).toBeGreaterThanOrEqual(200 - SLACK_MS);
        // Lower bounds only: 100, 200, 400 already show each wait longer than the one before, and
        // comparing two measured gaps would fail whenever a busy machine delayed the first one.
        expect(third).toBeGreaterThanOrEqual(400 - SLACK_MS);
      });

      it('retries with a fixed backoff until the job succeeds', async () => {
        const { queue, name } = await fresh();
        const times: number[] = [];
        queue.process(
          name,
          async (job) => {
            times.push(Date.now());
            if (job.attempt < 3) throw new Error('not yet');
          },
          { concurrency: 1 },
        );
        await queue.add(name, 'flaky', {}, { attempts: 5, backoff: { type: 'fixed', delayMs: 100 } });
        await eventually(async () => {
          expect(times).toHaveLength(3);
          expect(await queue.counts(name)).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
        });
        for (const gap of gaps(times)) expect(gap).toBeGreaterThanOrEqual(100 - SLACK_MS);
      });

      it('retries and then fails a job whose handler rejects with something other than an Error', async () => {
        for (const thrown of [undefined, null]) {
          const { queue, name } = await fresh();
          const attempts: number[] = [];
          queue.process(
            name,
            async (job) => {
              attempts.push(job.attempt);
              throw thrown;
            },
            { concurrency: 1 },
          );
          await queue.add(name, 'odd', {}, { attempts: 2, backoff: { type: 'fixed', delayMs: 50 } });
          await eventually(async () => {
            expect(attempts).toEqual([1, 2]);
            expect(await queue.counts(name)).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
          });
        }
      });

      it('fails a job at once on NonRetryableError', async () => {
        const { queue, name } = await fresh();
        let calls = 0;
        queue.process(
          name,
          async () => {
            calls += 1;
            throw new NonRetryableError('config invalid');
          },
          { concurrency: 1 },
        );
        await queue.add(name, 'doomed', {}, { attempts: 5, backoff: { type: 'fixed', delayMs: 20 } });
        await eventually(async () => expect(await queue.counts(name)).toMatchObject({ failed: 1 }));
        await sleep(200);
        expect(calls).toBe(1);
        expect(await queue.counts(name)).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
      });
    });

    describeScheduleContract(fresh);

    describe('processing', () => {
      it('never runs more handlers at once than the concurrency', async () => {
        const { queue, name } = await fresh();
        let running = 0;
        let most = 0;
        let done = 0;
        // Handlers wait for a second one to join them (or give up after 2 s), so two overlap even
        // when a busy machine brings the jobs to the worker slower than a handler finishes.
        const joined = gate();
        queue.process(
          name,
          async () => {
            running += 1;
            most = Math.max(most, running);
            if (running === 2) joined.open();
            await Promise.race([joined.wait, sleep(2_000)]);
            await sleep(80);
            running -= 1;
            done += 1;
          },
          { concurrency: 2 },
        );
        for (let i = 0; i < 6; i += 1) await queue.add(name, 'work', { i });
        await eventually(() => expect(done).toBe(6));
        expect(most).toBe(2);
      });

      it('counts waiting, active, delayed and failed jobs', async () => {
        const { queue, name } = await fresh();
        await queue.add(name, 'block', {});
        await queue.add(name, 'fail', {});
        await queue.add(name, 'later', {}, { delayMs: 60_000 });
        expect(await queue.counts(name)).toEqual({ waiting: 2, active: 0, delayed: 1, failed: 0 });

        const held = gate();
        queue.process(
          name,
          async (job) => {
            if (job.name === 'block') await held.wait;
            if (job.name === 'fail') throw new NonRetryableError('bad input');
          },
          { concurrency: 1 },
        );
        await eventually(async () =>
          expect(await queue.counts(name)).toEqual({ waiting: 1, active: 1, delayed: 1, failed: 0 }),
        );
        held.open();
        await eventually(async () =>
          expect(await queue.counts(name)).toEqual({ waiting: 0, active: 0, delayed: 1, failed: 1 }),
        );
      });
    });

    describe('ping and close', () => {
      it('answers ping', async () => {
        const { queue } = await fresh();
        await expect(queue.ping()).resolves.toBeUndefined();
      });

      it('waits for a job in flight when closing', async () => {
        const { queue, name } = await fresh();
        let started = false;
        let finished = false;
        queue.process(
          name,
          async () => {
            started = true;
            await sleep(300);
            finished = true;
          },
          { concurrency: 1 },
        );
        await queue.add(name, 'slow', {});
        await eventually(() => expect(started).toBe(true));
        await queue.close(5_000);
        expect(finished).toBe(true);
      });

      it('stops waiting for a job in flight at the close timeout', async () => {
        const { queue, name } = await fresh();
        const held = gate();
        let started = false;
        queue.process(
          name,
          async () => {
            started = true;
            await held.wait;
          },
          { concurrency: 1 },
        );
        await queue.add(name, 'stuck', {});
        await eventually(() => expect(started).toBe(true));
        const closingAt = Date.now();
        try {
          await queue.close(200);
          expect(Date.now() - closingAt).toBeLessThan(3_000);
        } finally {
          held.open();
        }
      });

      it('refuses new work after close, and closes twice safely', async () => {
        const { queue, name } = await fresh();
        await queue.close();
        await queue.close();
        await expect(queue.add(name, 'late', {})).rejects.toBeInstanceOf(QueueClosedError);
        await expect(
          queue.upsertSchedule(name, { id: 'late', name: 'late', data: {}, every: 1_000 }),
        ).rejects.toBeInstanceOf(QueueClosedError);
        expect(() => queue.process(name, async () => {}, { concurrency: 1 })).toThrow(QueueClosedError);
      });
    });
  });
}
