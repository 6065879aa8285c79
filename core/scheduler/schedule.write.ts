import type { Kysely } from 'kysely';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import type { Database, IntegrationConfigRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { fireSwitchedOnSchedules, removeSchedules, syncSchedules } from './schedule.service.ts';

// An integration row and its schedules in the queue change together: a queue that refuses a
// schedule (or is away) must not leave a saved row without its schedules, or a 500 after a
// write that a retry then answers with 409.

/**
 * Schedules a freshly inserted integration; if the queue refuses, the row is deleted again so the
 * request leaves nothing behind and can simply be retried. (Not one transaction: a schedule may
 * fire at once, and a poll that found no committed row would remove its schedule.)
 */
export async function scheduleOrTakeBack(hub: HubContext, connector: AnyConnector, row: IntegrationConfigRow): Promise<void> {
  try {
    await syncSchedules(hub, connector, row, row.updated_at);
  } catch (error) {
    // Schedules already made for it go too; any left over (queue away) find no row and remove themselves.
    await removeSchedules(hub, connector, row.id).catch(() => undefined);
    await hub.db.deleteFrom('integration_configs').where('id', '=', row.id).execute();
    throw error;
  }
}

/**
 * Changes an integration and its schedules together: the write is committed only once the queue
 * took the new schedules; otherwise it is rolled back and the previous schedules are put back.
 */
export async function writeWithSchedules(
  hub: HubContext,
  connector: AnyConnector,
  previous: IntegrationConfigRow,
  /** Gets the row as locked for the write (`previous` when it is gone). */
  write: (db: Kysely<Database>, locked: IntegrationConfigRow) => Promise<IntegrationConfigRow>,
): Promise<IntegrationConfigRow> {
  let schedulesTouched = false;
  // The row as this write finds it, locked: whether a stream was switched on is judged against it,
  // so of two resumes at once only the first polls (the second finds the row already resumed). FOR
  // NO KEY UPDATE, the lock the UPDATE takes anyway: FOR UPDATE would also hold back every insert
  // that refers to the integration (runs, webhook events) until this write commits.
  let before = previous;
  let written: IntegrationConfigRow | undefined;
  let row: IntegrationConfigRow;
  try {
    row = await hub.db.transaction().execute(async (trx) => {
      before = (await trx.selectFrom('integration_configs').selectAll().where('id', '=', previous.id).forNoKeyUpdate().executeTakeFirst()) ?? previous;
      written = await write(trx, before);
      schedulesTouched = true;
      await syncSchedules(hub, connector, written, written.updated_at, { before });
      return written;
    });
  } catch (error) {
    // Back as they were: only the schedules the write changed are written again.
    if (schedulesTouched) await syncSchedules(hub, connector, before, before.updated_at, written === undefined ? {} : { before: written }).catch(() => undefined);
    throw error;
  }
  await fireSwitchedOnSchedules(hub, connector, before, row);
  return row;
}
