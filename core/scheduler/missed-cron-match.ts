import { Cron } from 'croner';
import { DEFAULT_SCHEDULE_TZ, type Schedule } from '../queue/queue.types.ts';
import { findRunByKey } from '../runs/run.repository.ts';
import type { HubContext } from '../server/hub-context.ts';
import { POLL_QUEUE, type ScheduledPoll } from './schedule.service.ts';
import { scheduledRunKey, windowStart } from './schedule.window.ts';

// A cron schedule the queue lost (an embedded hub's queue starts empty at every start; a flushed
// Redis) is made anew and waits for its next match, so a match that fell while it was missing
// would be skipped: a daily poll a day late, a monthly one a month. BullMQ runs a missed match of a
// schedule it kept once, late; a schedule put back gets the same one late poll. So does a match
// whose fire failed before it made its run (the database away at that moment): a fire is one job
// of one attempt, and the schedule goes on to its next match.

/** The latest match of a cron schedule at or before `now`; undefined when it has none. */
export function latestMatch(schedule: Schedule<ScheduledPoll>, now: Date): Date | undefined {
  const cron = new Cron(schedule.cron ?? '', { timezone: schedule.tz ?? DEFAULT_SCHEDULE_TZ, paused: true });
  return cron.previousRuns(1, now)[0];
}

/**
 * Queues one poll for the latest match of a cron schedule at `now`, when that match made no run and
 * came after the integration's last change (which may be what switched the stream on, and a cron
 * schedule switched on waits for its next match). Returns whether it did. Give `now` from the
 * database's clock (database-time.ts): whether a match has come must not depend on which process
 * asks. Without it, `hub.clock` is read, for callers that pass a context whose clock reads it.
 */
export async function pollMissedCronMatch(hub: HubContext, schedule: Schedule<ScheduledPoll>, changedAt: Date, now: Date = hub.clock()): Promise<boolean> {
  if (schedule.cron === undefined) return false;
  const match = latestMatch(schedule, now);
  return match !== undefined && pollCronMatchWithoutRun(hub, schedule, match, changedAt);
}

/** Queues one poll for `match` of a cron schedule when it came after `changedAt` and made no run. */
export async function pollCronMatchWithoutRun(hub: HubContext, schedule: Schedule<ScheduledPoll>, match: Date, changedAt: Date): Promise<boolean> {
  if (match <= changedAt) return false;
  const { integrationId, stream } = schedule.data;
  // Keyed as the schedule's own fire at that match would have been: polled then, nothing to do.
  if (await findRunByKey(hub.db, scheduledRunKey(integrationId, stream, windowStart(match, undefined)))) return false;
  // The job id keeps a fleet of workers restoring at once to one job; the run key, to one run.
  await hub.queue.add<ScheduledPoll>(POLL_QUEUE, schedule.name, { ...schedule.data, dueAt: match.getTime() }, { jobId: `${schedule.id}-missed-${match.getTime()}` });
  return true;
}
