import { z } from 'zod';
import { ConnectorError } from '../sdk/failure.ts';
import { parseServiceNowTime, requiredUpdatedOn, updatedOn, versionKey, type ServiceNowRecord } from './mappers.ts';

// sys_updated_on has one-second resolution, so each read asks for `>=` the last second and would
// see that second's records again. The cursor remembers which versions (sys_id@sys_mod_count) it
// already delivered at exactly that second: those are skipped, while a record changed again within
// the same second carries a higher sys_mod_count and still comes through.

export const ServiceNowCursor = z.object({
  /** 'yyyy-MM-dd HH:mm:ss', UTC. */
  updatedOn: z.string().refine((value) => parseServiceNowTime(value) !== undefined),
  /** sys_id@sys_mod_count of every version delivered at exactly `updatedOn`. */
  seenAtUpdatedOn: z.array(z.string()),
});
export type ServiceNowCursor = z.infer<typeof ServiceNowCursor>;

/** Validates a stored cursor; one that is not ours cannot be resumed from safely. */
export function readCursor(stored: unknown): ServiceNowCursor | undefined {
  if (stored === undefined || stored === null) return undefined;
  const parsed = ServiceNowCursor.safeParse(stored);
  if (!parsed.success) throw new ConnectorError('cursor_expired', 'the stored ServiceNow cursor is malformed; run a full sync to rebuild it');
  return parsed.data;
}

/** The page's records minus versions already delivered at the cursor's second. */
export function unseen(records: ServiceNowRecord[], cursor: ServiceNowCursor | undefined): ServiceNowRecord[] {
  if (cursor === undefined || cursor.seenAtUpdatedOn.length === 0) return records;
  const seen = new Set(cursor.seenAtUpdatedOn);
  return records.filter((record) => !(updatedOn(record) === cursor.updatedOn && seen.has(versionKey(record))));
}

/** The position after `records`: their latest second, and every version seen at exactly that second. */
export function advance(cursor: ServiceNowCursor | undefined, records: ServiceNowRecord[]): ServiceNowCursor | undefined {
  let latest = cursor?.updatedOn;
  let seen = new Set(cursor?.seenAtUpdatedOn ?? []);
  for (const record of records) {
    const at = requiredUpdatedOn(record);
    if (latest === undefined || at > latest) {
      latest = at;
      seen = new Set();
    }
    if (at === latest) seen.add(versionKey(record));
  }
  return latest === undefined ? undefined : { updatedOn: latest, seenAtUpdatedOn: [...seen] };
}
