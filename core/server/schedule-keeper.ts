import { latestMatch, pollCronMatchWithoutRun, pollMissedCronMatch } from '../scheduler/missed-cron-match.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import type { Schedule } from '../queue/queue.types.ts';
import { firesAsWanted, POLL_QUEUE, pollScheduleParts, syncSchedules, wantsSchedule, pollScheduleOf, type ScheduledPoll, type SchedulingFields } from '../scheduler/schedule.service.ts';
import type { HubContext } from './hub-context.ts';
import { maintenanceScheduled, scheduleMaintenance } from './maintenance.ts';
import { databaseTime } from '../timing/database-time.ts';

// Schedules live in the queue (memory in embedded mode, Redis in production), but the integrations
// they come from live in the database. A restart of an embedded hub, or a Redis that was flushed or
// replaced, leaves the queue without them, and nothing would ever poll again. Workers therefore put
// back what is missing when they start and then at every reconcile interval, from the database.
// A cron match that fell while its schedule was missing is polled once, late (missed-cron-match.ts).

export interface RestoredSchedules {
  /** Integrations whose poll schedules were missing or fired otherwise than configured, and were rewritten. */
  integrations: number;
  /** Poll schedules of integrations that no longer exist, are paused or disabled, removed. */
  removed: number;
  /**
   * Cron matches that made no run, queued to poll late: missed while their schedule was missing, or
   * a fire that failed before it made its run.
   */
  missedCronMatches: number;
  /** The maintenance schedules were missing and were recreated. */
  maintenance: boolean;
}

// When this process last put each schedule back: a match before that fell while the schedule was
// missing, which the put-back's own late poll makes up for, and is no fire that failed.
const putBackAt = new WeakMap<HubContext, Map<string, number>>();

function putBackTimes(hub: HubContext): Map<string, number> {
  let times = putBackAt.get(hub);
  if (!times) {
    times = new Map();
    putBackAt.set(hub, times);
  }
  return times;
}

/**
 * Puts back what the queue is missing. `at` is the pass's time: by default the database's, as
 * whether a cron match has come, and whether its fire had a lease to make its run, must not depend
 * on which worker's clock asks (database-time.ts); a worker ahead would poll a match still to come.
 */
export async function restoreSchedules(hub: HubContext, at?: Date): Promise<RestoredSchedules> {
  // Listed before the rows are read: a schedule made after the listing belongs to a row that is at
  // least as new, so it is never taken for an orphan.
  const listed = new Map((await hub.queue.listSchedules(POLL_QUEUE)).map((schedule) => [schedule.id, schedule]));
  // Only what scheduling reads: this runs every reconcile interval in every worker.
  const rows = await hub.db.selectFrom('integration_configs').select(['id', 'connector', 'enabled', 'paused_at', 'schedules', 'updated_at']).execute();
  // A schedule put back is new to the queue: its interval windows count from now, so it polls at once.
  const now = at ?? (await databaseTime(hub.db));
  const wanted = new Set<string>();
  let integrations = 0;
  let missedCronMatches = 0;
  for (const row of rows) {
    const connector = hub.connectors.get(row.connector);
    if (!connector) continue;
    const schedules = wantedSchedules(connector, row, now);
    for (const schedule of schedules) wanted.add(schedule.id);
    // Missing, or firing otherwise than the row says (a process that died between writing the
    // queue and committing the row, a schedule edited by hand in Redis).
    const repair = schedules.some((schedule) => {
      const found = listed.get(schedule.id);
      return !found || !firesAsWanted(found, schedule);
    });
    if (!repair) {
      missedCronMatches += await pollFailedFires(hub, row, schedules, now);
      continue;
    }
    try {
      // Written from the row as it is now, locked while the queue is written: a change saved since
      // the read above (a stream switched off) must not be overwritten with what was read.
      const current = await hub.db.transaction().execute(async (trx) => {
        const locked = await trx.selectFrom('integration_configs').select(['id', 'enabled', 'paused_at', 'schedules', 'updated_at']).where('id', '=', row.id).forNoKeyUpdate().executeTakeFirst();
        if (locked) await syncSchedules(hub, connector, locked, now, { listed });
        return locked;
      });
      if (!current) continue;
      integrations += 1;
      for (const schedule of wantedSchedules(connector, current, now)) {
        const found = listed.get(schedule.id);
        if (found === undefined || !firesAsWanted(found, schedule)) putBackTimes(hub).set(schedule.id, now.getTime());
      }
      // The cron matches missed are those of the schedules as written, not as first read.
      for (const schedule of wantedSchedules(connector, current, now).filter(({ id }) => !listed.has(id))) {
        if (await pollMissedCronMatch(hub, schedule, current.updated_at, now)) missedCronMatches += 1;
      }
    } catch (error) {
      // One integration the queue refuses (a schedule saved before today's checks) must not keep
      // the ones after it from being restored.
      hub.logger.warn({ err: error, integrationId: row.id }, 'could not restore the schedules of an integration');
    }
  }
  const rowsById = new Map(rows.map((row) => [row.id, row]));
  /**
   * A schedule of a connector or stream this process does not offer (a newer version's, during a
   * rolling upgrade), for an integration that still wants it: the newer processes' to keep, not an
   * orphan. Removed here, it would be put back by their next pass, and an interval schedule put
   * back polls at once.
   */
  const anotherVersions = (id: string): boolean => {
    const { integrationId, stream } = pollScheduleParts(id);
    const row = rowsById.get(integrationId);
    if (row === undefined) return false;
    const connector = hub.connectors.get(row.connector);
    return connector === undefined || (!(stream in connector.streams) && wantsSchedule(row, stream));
  };
  let removed = 0;
  for (const id of listed.keys()) {
    if (wanted.has(id) || anotherVersions(id)) continue;
    await hub.queue.removeSchedule(POLL_QUEUE, id);
    removed += 1;
  }
  // Put-back times of schedules no integration wants any more are of no use.
  for (const id of putBackTimes(hub).keys()) if (!wanted.has(id)) putBackTimes(hub).delete(id);
  const maintenance = !(await maintenanceScheduled(hub));
  if (maintenance) await scheduleMaintenance(hub);
  return { integrations, removed, missedCronMatches, maintenance };
}

/**
 * The cron schedules the queue kept whose latest match made no run, a fire's own time past it (a
 * run lease): the fire failed before it made its run, and one late poll makes up for it. Only
 * matches that came due since about the last pass are looked at, each once or twice, and not one
 * whose fire was skipped on purpose behind a run of the stream still waiting (run.worker.ts).
 */
async function pollFailedFires(hub: HubContext, row: SchedulingFields & { updated_at: Date }, schedules: Array<Schedule<ScheduledPoll>>, now: Date): Promise<number> {
  const matchedBy = new Date(now.getTime() - hub.config.HUB_RUN_LEASE_SECONDS * 1000);
  const since = new Date(matchedBy.getTime() - 2 * hub.config.HUB_RECONCILE_INTERVAL_SECONDS * 1000);
  let polled = 0;
  for (const schedule of schedules) {
    if (schedule.cron === undefined) continue;
    const match = latestMatch(schedule, matchedBy);
    if (!match || match <= since || match.getTime() <= (putBackTimes(hub).get(schedule.id) ?? 0)) continue;
    try {
      if (await runWaitingAt(hub, row.id, schedule.data.stream, match)) continue;
      if (await pollCronMatchWithoutRun(hub, schedule, match, row.updated_at)) polled += 1;
    } catch (error) {
      hub.logger.warn({ err: error, integrationId: row.id }, 'could not check the latest cron match of an integration');
    }
  }
  return polled;
}

/** Whether a scheduled run of the stream was queued and not yet started at `at`: a fire then was skipped. */
async function runWaitingAt(hub: HubContext, integrationId: string, stream: string, at: Date): Promise<boolean> {
  const waiting = await hub.db
    .selectFrom('integration_runs')
    .select('id')
    .where('integration_id', '=', integrationId)
    .where('queued_at', '<=', at)
    .where('stream', '=', stream)
    .where('kind', '=', 'poll')
    .where('trigger', '=', 'schedule')
    .where((eb) => eb.or([eb('started_at', 'is', null), eb('started_at', '>', at)]))
    .limit(1)
    .executeTakeFirst();
  return waiting !== undefined;
}

/** The poll schedules the row wants now, one per stream whose schedule is on. */
function wantedSchedules(connector: AnyConnector, row: SchedulingFields, now: Date): Array<Schedule<ScheduledPoll>> {
  return Object.keys(connector.streams)
    .filter((stream) => wantsSchedule(row, stream))
    .map((stream) => pollScheduleOf(connector, row, stream, now));
}

async function restoreAndReport(hub: HubContext, level: 'info' | 'warn'): Promise<void> {
  try {
    const restored = await restoreSchedules(hub);
    if (restored.integrations + restored.removed + restored.missedCronMatches > 0 || restored.maintenance) {
      hub.logger[level](restored, 'restored the queue\'s schedules from the database');
    }
  } catch (error) {
    // The queue or the database is away; the next pass tries again.
    hub.logger.warn({ err: error }, 'could not check the queue for missing schedules');
  }
}

/**
 * Restores now, then at every reconcile interval until the returned stop is called. At start an
 * embedded hub always restores (its queue starts empty); later, a missing schedule is news.
 */
export async function keepSchedules(hub: HubContext): Promise<() => Promise<void>> {
  await restoreAndReport(hub, 'info');
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= restoreAndReport(hub, 'warn').finally(() => (running = undefined));
  }, hub.config.HUB_RECONCILE_INTERVAL_SECONDS * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
