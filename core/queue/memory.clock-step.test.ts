import { describe, expect, it } from 'vitest';
import { manualClock } from './memory.manual-clock.ts';
import { createMemoryQueue } from './memory.queue.ts';

// An embedded hub's host clock may step: an NTP correction, a clock set by hand, a laptop waking
// up. Delays are elapsed time, so a step back by hours must not hold every delayed job, retry and
// schedule fire for those hours; a cron schedule fires at its matches by the wall clock as it reads
// after the step.

const silent = { warn: () => {}, error: () => {} };
const start = Date.UTC(2030, 0, 1, 0, 30);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('in-process queue when the wall clock steps', () => {
  it('runs a delayed job after its delay however far the wall clock steps back meanwhile', async () => {
    const { clock, advance, stepWall } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    let ran = false;
    queue.process('q', async () => void (ran = true), { concurrency: 1 });
    await queue.add('q', 'later', {}, { delayMs: 10 * MINUTE });
    await advance(MINUTE);
    stepWall(-3 * HOUR);
    await advance(9 * MINUTE);
    expect(ran).toBe(true);
    await queue.close();
  });

  it('retries a failed job after its backoff however far the wall clock steps back meanwhile', async () => {
    const { clock, advance, stepWall } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    let attempts = 0;
    queue.process(
      'q',
      async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('down');
      },
      { concurrency: 1 },
    );
    await queue.add('q', 'flaky', {}, { attempts: 2, backoff: { type: 'fixed', delayMs: MINUTE } });
    await advance(1);
    stepWall(-2 * HOUR);
    await advance(MINUTE);
    expect(attempts).toBe(2);
    await queue.close();
  });

  it('keeps firing an interval schedule every interval after the wall clock steps back', async () => {
    const { clock, advance, stepWall } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    let fires = 0;
    queue.process('q', async () => void (fires += 1), { concurrency: 1 });
    await queue.upsertSchedule('q', { id: 'poll', name: 'poll', data: {}, every: 5 * MINUTE });
    await advance(MINUTE);
    stepWall(-3 * HOUR);
    await advance(15 * MINUTE);
    // The fire at once, then one every 5 minutes.
    expect(fires).toBe(4);
    await queue.close();
  });

  it('fires a cron schedule at its next match by the wall clock as stepped back', async () => {
    const { clock, advance, stepWall } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    const firesAt: string[] = [];
    queue.process('q', async () => void firesAt.push(new Date(clock.now()).toISOString()), { concurrency: 1 });
    await queue.upsertSchedule('q', { id: 'hourly', name: 'poll', data: {}, cron: '0 * * * *', tz: 'UTC' });
    await advance(10 * MINUTE);
    stepWall(-3 * HOUR); // 21:40 the day before
    await advance(HOUR);
    expect(firesAt).toEqual(['2029-12-31T22:00:00.000Z']);
    expect((await queue.listSchedules('q'))[0]?.nextRunAt?.toISOString()).toBe('2029-12-31T23:00:00.000Z');
    await queue.close();
  });

  it('fires a cron schedule written again just after a step back at its next match as stepped back', async () => {
    const { clock, advance, stepWall } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    const firesAt: string[] = [];
    queue.process('q', async () => void firesAt.push(new Date(clock.now()).toISOString()), { concurrency: 1 });
    const hourly = { id: 'hourly', name: 'poll', data: {}, cron: '0 * * * *', tz: 'UTC' };
    await queue.upsertSchedule('q', hourly);
    await advance(10 * MINUTE);
    stepWall(-3 * HOUR);
    // Every save of an integration writes its schedules again, with the same timing.
    await queue.upsertSchedule('q', { ...hourly, data: { v: 2 } });
    await advance(HOUR);
    expect(firesAt).toEqual(['2029-12-31T22:00:00.000Z']);
    await queue.close();
  });

  it('fires a cron match the wall clock stepped past, once, and goes on from there', async () => {
    const { clock, advance, stepWall } = manualClock(start);
    const queue = createMemoryQueue({ clock, logger: silent });
    const fires: string[] = [];
    queue.process('q', async (job) => void fires.push(job.dueAt.toISOString()), { concurrency: 1 });
    await queue.upsertSchedule('q', { id: 'daily', name: 'poll', data: {}, cron: '0 2 * * *', tz: 'UTC' });
    await advance(MINUTE);
    stepWall(3 * HOUR); // 03:31, past the 02:00 match
    await advance(5 * MINUTE);
    expect(fires).toEqual(['2030-01-01T02:00:00.000Z']);
    expect((await queue.listSchedules('q'))[0]?.nextRunAt?.toISOString()).toBe('2030-01-02T02:00:00.000Z');
    await queue.close();
  });
});
