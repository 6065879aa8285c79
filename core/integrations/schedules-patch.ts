import type { StreamSchedule } from '../../schemas/api/schedule.schema.ts';

/** As stored: what the row's jsonb holds, validated when it was written. */
export type StreamSchedules = Record<string, unknown>;
/** Schedules as a PATCH names them: `null` for a stream goes back to the connector's default. */
export type StreamSchedulesPatch = Record<string, StreamSchedule | null>;

/**
 * The stored schedules with each stream the patch names replaced whole, and the others kept. Not an
 * RFC 7396 merge one level deeper: `{ cron }` merged into `{ everySeconds }` would make a schedule
 * with both, which is neither.
 */
export function patchSchedules(stored: StreamSchedules, patch: StreamSchedulesPatch): StreamSchedules {
  const patched: StreamSchedules = { ...stored };
  for (const [stream, schedule] of Object.entries(patch)) {
    if (schedule === null) delete patched[stream];
    else patched[stream] = schedule;
  }
  return patched;
}
