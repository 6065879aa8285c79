import type { HubContext } from '../server/hub-context.ts';
import { HOUR_MS, hourOf, rewriteHealthHours } from './health-hours.ts';

// After an outage of the workers the rollup catches up on at most this much.
const CATCH_UP_MS = 7 * 24 * HOUR_MS;

/**
 * Folds finished runs into one `integration_health_metrics` row per integration and hour, by the
 * hour each run finished in, so dashboards read 24 rows instead of every run. A run is counted once
 * it finishes, however long after it was queued (retries, a pause, a long full sync). Each pass
 * redoes the current hour and the one before, and every hour since the latest row when passes were
 * missed (workers down): the previous hour's last minutes are only complete after it has turned.
 * Older hours a replay takes a run out of are redone by the replay (requeueFailedAction).
 * Safe to run often: the rows are replaced.
 */
export async function rollUpHealth(hub: HubContext, at: Date = hub.clock()): Promise<number> {
  const hour = hourOf(at).getTime();
  const latest = await hub.db
    .selectFrom('integration_health_metrics')
    .select((eb) => eb.fn.max('hour').as('hour'))
    .where('hour', '<=', new Date(hour))
    .executeTakeFirst();
  const latestHour = latest?.hour ? new Date(latest.hour).getTime() : hour - HOUR_MS;
  const from = new Date(Math.max(hour - CATCH_UP_MS, Math.min(hour - HOUR_MS, latestHour)));
  return rewriteHealthHours(hub.db, { from, until: new Date(hour + HOUR_MS) });
}
