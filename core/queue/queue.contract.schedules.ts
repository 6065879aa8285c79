// The schedule part of the JobQueue contract (queue.contract.ts): one schedule per id, its slots,
// cron and interval timing, and removal, in both implementations.
import { describe, expect, it } from 'vitest';
import { eventually, gaps, SLACK_MS, sleep } from './queue.contract.helpers.ts';
import type { Job, JobQueue } from './queue.types.ts';

/** A queue of the implementation under test, closed after each test, and a job name of its own. */
export type FreshQueue = () => Promise<{ queue: JobQueue; name: string }>;

export function describeScheduleContract(fresh: FreshQueue): void {
  describe('schedules', () => {
    it('keeps one schedule per id when the same id is upserted twice', async () => {
      const { queue, name } = await fresh();
      await queue.upsertSchedule(name, { id: 'poll', name: 'poll', data: {}, every: 60_000 });
      await queue.upsertSchedule(name, { id: 'poll', name: 'poll', data: {}, every: 120_000 });
      await queue.upsertSchedule(name, { id: 'digest', name: 'digest', data: {}, cron: '0 8 * * *' });
      await queue.upsertSchedule(name, { id: 'digest', name: 'digest', data: {}, cron: '0 9 * * *' });

      const schedules = await queue.listSchedules(name);
      expect(schedules.map(({ id, every, cron }) => ({ id, every, cron })).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 'digest', every: undefined, cron: '0 9 * * *' },
        { id: 'poll', every: 120_000, cron: undefined },
      ]);
      for (const schedule of schedules) expect(schedule.nextRunAt).toBeInstanceOf(Date);
      // Replacing a schedule replaces its pending run too.
      const { waiting, delayed } = await queue.counts(name);
      expect(waiting + delayed).toBe(2);
    });

    it('keeps the pending run of a schedule upserted again with the same timing, and runs nothing at once', async () => {
      const { queue, name } = await fresh();
      let runs = 0;
      queue.process(name, async () => void (runs += 1), { concurrency: 1 });
      await queue.upsertSchedule(name, { id: 'hourly', name: 'poll', data: { v: 1 }, every: 3_600_000 });
      await queue.upsertSchedule(name, { id: 'daily', name: 'digest', data: { v: 1 }, cron: '0 8 * * *' });
      await eventually(() => expect(runs).toBe(1));
      const nextRuns = async () => (await queue.listSchedules(name)).sort((a, b) => a.id.localeCompare(b.id)).map((schedule) => schedule.nextRunAt?.getTime());
      const before = await nextRuns();

      // What every save of an integration does to its schedules: the same timing, new data.
      await queue.upsertSchedule(name, { id: 'hourly', name: 'poll', data: { v: 2 }, every: 3_600_000 });
      await queue.upsertSchedule(name, { id: 'daily', name: 'digest', data: { v: 2 }, cron: '0 8 * * *', tz: 'UTC' });
      await sleep(300);
      expect(runs).toBe(1);
      expect(await nextRuns()).toEqual(before);
      const { waiting, delayed } = await queue.counts(name);
      expect(waiting + delayed).toBe(2);
    });

    it('runs an interval schedule repeatedly with its name and data', async () => {
      const { queue, name } = await fresh();
      const runs: Job[] = [];
      queue.process(name, async (job) => void runs.push(job), { concurrency: 1 });
      await queue.upsertSchedule(name, { id: 'tick', name: 'tick', data: { n: 1 }, every: 100 });
      await eventually(() => expect(runs.length).toBeGreaterThanOrEqual(3));
      expect(runs[0]).toMatchObject({ name: 'tick', data: { n: 1 }, attempt: 1 });
      expect(new Set(runs.map((run) => run.id)).size).toBe(runs.length);
    });

    it("gives a schedule's jobs their slot as dueAt, however late a busy worker starts them", async () => {
      const { queue, name } = await fresh();
      const runs: Job[] = [];
      const startedAt: number[] = [];
      queue.process(name, async (job) => {
        runs.push(job);
        startedAt.push(Date.now());
        await sleep(250);
      }, { concurrency: 1 });
      await queue.upsertSchedule(name, { id: 'slow', name: 'tick', data: {}, every: 100 });
      await eventually(() => expect(runs.length).toBeGreaterThanOrEqual(4));
      const due = runs.map((run) => run.dueAt.getTime());
      // Slots on the schedule's grid (after the first, which BullMQ runs at once, off the grid),
      // each later than the one before…
      expect(due[1]! - due[0]!).toBeGreaterThan(0);
      for (let index = 2; index < due.length; index++) {
        expect(due[index]! - due[index - 1]!).toBeGreaterThan(0);
        expect((due[index]! - due[index - 1]!) % 100).toBe(0);
      }
      // …while the worker, busy 250 ms per job, started them later than their slots.
      expect(startedAt.at(-1)! - due.at(-1)!).toBeGreaterThan(0);
    });

    it('runs a cron schedule with a seconds field', async () => {
      const { queue, name } = await fresh();
      let runs = 0;
      queue.process(name, async () => void (runs += 1), { concurrency: 1 });
      await queue.upsertSchedule(name, { id: 'every-second', name: 'tick', data: {}, cron: '* * * * * *' });
      const [schedule] = await queue.listSchedules(name);
      expect(schedule?.cron).toBe('* * * * * *');
      expect(schedule?.nextRunAt?.getTime()).toBeLessThanOrEqual(Date.now() + 1_000 + SLACK_MS);
      await eventually(() => expect(runs).toBeGreaterThanOrEqual(1));
    });

    it('holds one run of a schedule added before any handler, and runs it once one exists', async () => {
      const { queue, name } = await fresh();
      await queue.upsertSchedule(name, { id: 'early', name: 'tick', data: {}, every: 50 });
      await sleep(400);
      const { waiting, delayed } = await queue.counts(name);
      expect(waiting + delayed).toBe(1);

      let runs = 0;
      queue.process(name, async () => void (runs += 1), { concurrency: 1 });
      await eventually(() => expect(runs).toBeGreaterThanOrEqual(2));
    });

    it('stops running a removed schedule', async () => {
      const { queue, name } = await fresh();
      let runs = 0;
      queue.process(name, async () => void (runs += 1), { concurrency: 1 });
      await queue.upsertSchedule(name, { id: 'tick', name: 'tick', data: {}, every: 100 });
      await eventually(() => expect(runs).toBeGreaterThanOrEqual(2));

      expect(await queue.removeSchedule(name, 'tick')).toBe(true);
      expect(await queue.removeSchedule(name, 'tick')).toBe(false);
      expect(await queue.listSchedules(name)).toEqual([]);
      // A run that was already waiting may still finish; once nothing is pending, nothing may run.
      await eventually(async () => expect(await queue.counts(name)).toMatchObject({ waiting: 0, active: 0, delayed: 0 }));
      const settled = runs;
      await sleep(400);
      expect(runs).toBe(settled);
    });
  });
}
