import { isDeepStrictEqual } from 'node:util';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import { DEFAULT_SCHEDULE_TZ, type Schedule, type ScheduleInfo } from '../queue/queue.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { StreamSchedule } from '../../schemas/api/integration.schema.ts';

export const POLL_QUEUE = 'polls';

/** What a scheduled poll job carries; the window is derived from the fire time and interval. */
export interface ScheduledPoll {
  integrationId: string;
  stream: string;
  everyMs?: number;
  /**
   * Interval windows count from here (ms since the epoch): when the schedule was written
   * (schedule.window.ts says why). Absent from jobs queued before it existed: windows then count
   * from the epoch.
   */
  windowsFrom?: number;
  /**
   * When the fire this job stands for was due (ms), for a job queued beside the schedule (the poll
   * of a schedule switched on, a missed cron match) rather than made by it at its slot.
   */
  dueAt?: number;
}

export function pollScheduleId(integrationId: string, stream: string): string {
  return `poll-${integrationId}-${stream}`;
}

const UUID_LENGTH = 36;

/** What pollScheduleId made the id of (integration ids are UUIDs, so the stream is all after them). */
export function pollScheduleParts(id: string): { integrationId: string; stream: string } {
  const from = 'poll-'.length;
  return { integrationId: id.slice(from, from + UUID_LENGTH), stream: id.slice(from + UUID_LENGTH + 1) };
}

/** What scheduling reads of an integration. */
export type SchedulingFields = Pick<IntegrationConfigRow, 'id' | 'enabled' | 'paused_at' | 'schedules'>;

function isActive(row: SchedulingFields): boolean {
  return row.enabled && row.paused_at === null;
}

/** Whether the stream's own schedule is switched on (the integration's enabled and paused aside). */
export function streamScheduleOn(row: Pick<SchedulingFields, 'schedules'>, stream: string): boolean {
  return (row.schedules as Record<string, StreamSchedule>)[stream]?.enabled !== false;
}

/** Whether a stream of the integration should have a poll schedule right now. */
export function wantsSchedule(row: SchedulingFields, stream: string): boolean {
  return isActive(row) && streamScheduleOn(row, stream);
}

/**
 * The poll schedule a stream should have: its configured interval or cron, else the connector's
 * interval. `writtenAt` is when the schedule is written (the interval windows count from it).
 */
export function pollScheduleOf(connector: AnyConnector, row: SchedulingFields, stream: string, writtenAt: Date): Schedule<ScheduledPoll> {
  const id = pollScheduleId(row.id, stream);
  const schedule = (row.schedules as Record<string, StreamSchedule>)[stream];
  if (schedule && 'cron' in schedule) {
    return { id, name: 'poll', cron: schedule.cron, ...(schedule.tz ? { tz: schedule.tz } : {}), data: { integrationId: row.id, stream } };
  }
  const everyMs = (schedule && 'everySeconds' in schedule ? schedule.everySeconds : connector.streams[stream]!.defaultIntervalSeconds) * 1000;
  return { id, name: 'poll', every: everyMs, data: { integrationId: row.id, stream, everyMs, windowsFrom: writtenAt.getTime() } };
}

/** Whether the queue's schedule fires when `wanted` says (same interval, or same cron in the same zone). */
export function firesAsWanted(listed: ScheduleInfo, wanted: Schedule<unknown>): boolean {
  if (wanted.cron !== undefined) return listed.cron === wanted.cron && (listed.tz ?? DEFAULT_SCHEDULE_TZ) === (wanted.tz ?? DEFAULT_SCHEDULE_TZ);
  return listed.cron === undefined && listed.every === wanted.every;
}

/**
 * Makes the queue's schedules match the integration: one per stream while it is enabled and not
 * paused, at the stream's configured interval or cron (default: the connector's interval).
 * Upserting by id means every process can call this and there is still one schedule per stream.
 * `writtenAt`: the row's updated_at for a write (fireSwitchedOnSchedules counts from the same
 * instant), now for a schedule put back.
 */
export async function syncSchedules(
  hub: HubContext,
  connector: AnyConnector,
  row: SchedulingFields,
  writtenAt: Date,
  { before, listed }: { before?: SchedulingFields; listed?: ReadonlyMap<string, ScheduleInfo> } = {},
): Promise<void> {
  for (const stream of Object.keys(connector.streams)) {
    if (!wantsSchedule(row, stream)) {
      await hub.queue.removeSchedule(POLL_QUEUE, pollScheduleId(row.id, stream));
      continue;
    }
    // A save that leaves the stream's schedule as it was (`before`, the row it changed) leaves the
    // queue's alone: BullMQ rewriting a cron schedule drops a fire that came due and still waits
    // for a worker, and plans the next match instead. A schedule the queue lost meanwhile is the
    // schedule keeper's to put back.
    if (before !== undefined && wantsSchedule(before, stream) && sameStreamSchedule(before, row, stream)) continue;
    const schedule = pollScheduleOf(connector, row, stream, writtenAt);
    // Likewise one the queue already has as wanted (`listed`, a repair of the integration's others).
    const found = listed?.get(schedule.id);
    if (found !== undefined && firesAsWanted(found, schedule)) continue;
    await hub.queue.upsertSchedule<ScheduledPoll>(POLL_QUEUE, schedule);
  }
}

function sameStreamSchedule(a: SchedulingFields, b: SchedulingFields, stream: string): boolean {
  return isDeepStrictEqual((a.schedules as Record<string, StreamSchedule>)[stream], (b.schedules as Record<string, StreamSchedule>)[stream]);
}

/**
 * Interval schedules that a change of the integration switched on (enabled, resumed, a stream
 * turned on) poll at once, as a new schedule does. The schedule's own first fire may not: the
 * schedule is made inside the change's transaction, and a worker quick to pick that fire up reads
 * the integration as it was before the commit (still off) and skips it, so the first poll would come
 * a whole interval later. Run after the commit. This poll is due when the change was written, the
 * instant the schedule's windows count from: it and the schedule's first fire share the first
 * window, one run, and no poll made before the change is in it.
 */
export async function fireSwitchedOnSchedules(
  hub: HubContext,
  connector: AnyConnector,
  before: SchedulingFields,
  after: SchedulingFields & Pick<IntegrationConfigRow, 'updated_at'>,
): Promise<void> {
  for (const stream of Object.keys(connector.streams)) {
    if (wantsSchedule(before, stream) || !wantsSchedule(after, stream)) continue;
    const schedule = pollScheduleOf(connector, after, stream, after.updated_at);
    if (schedule.every === undefined) continue;
    const dueAt = after.updated_at.getTime();
    try {
      await hub.queue.add<ScheduledPoll>(POLL_QUEUE, schedule.name, { ...schedule.data, dueAt }, { jobId: `${schedule.id}-on-${dueAt}` });
    } catch (error) {
      // The schedule is in place and fires at its next slot; only this early poll is lost.
      hub.logger.warn({ err: error, integrationId: after.id, stream }, 'could not queue the first poll of a schedule switched on');
    }
  }
}

export async function removeSchedules(hub: HubContext, connector: AnyConnector, integrationId: string): Promise<void> {
  for (const stream of Object.keys(connector.streams)) {
    await hub.queue.removeSchedule(POLL_QUEUE, pollScheduleId(integrationId, stream));
  }
}
