import { sql } from 'kysely';
import type { RunRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { enqueueRun } from './run.jobs.ts';

// During a rolling upgrade processes of two versions share one queue, and a run of a connector,
// stream or action that only the newer version offers may reach a process of the older one. Settled
// there it would end for good, cancelled or failed config_invalid with a task, though a newer
// process would run it. So such a run is put back for another process, for as long as an upgrade
// may take; past that its connector is taken to be gone, and the run is settled as before.

/** How long after it was queued a run this process cannot execute is left for another process. */
export const UNOFFERED_GRACE_MS = 10 * 60_000;
/** How soon it is offered to the queue again meanwhile. */
const UNOFFERED_RETRY_MS = 5_000;

/** Whether this process has the connector and the stream or action the run needs. */
export function offersRun(hub: Pick<HubContext, 'connectors'>, connectorId: string, run: Pick<RunRow, 'kind' | 'stream' | 'action'>): boolean {
  const connector = hub.connectors.get(connectorId);
  if (!connector) return false;
  if (run.kind === 'poll') return run.stream !== null && Object.hasOwn(connector.streams, run.stream);
  if (run.kind !== 'action' || run.action === null) return true;
  if (run.action.startsWith('task_alert.')) return connector.taskAlerts !== undefined;
  return connector.actions !== undefined && Object.hasOwn(connector.actions, run.action);
}

/**
 * For a queued run this process cannot execute, queued within the grace: puts its job back on the
 * queue for another process and answers true. False for anything else (run it, or settle it here).
 */
export async function leftForAnotherProcess(hub: HubContext, runId: string): Promise<boolean> {
  const run = await hub.db
    .selectFrom('integration_runs')
    .innerJoin('integration_configs', 'integration_configs.id', 'integration_runs.integration_id')
    .select(['integration_runs.kind', 'integration_runs.stream', 'integration_runs.action', 'integration_configs.connector'])
    // Queued by another process: its age by the database's clock (core/timing/database-time.ts).
    .select(sql<boolean>`integration_runs.queued_at < now() - make_interval(secs => ${UNOFFERED_GRACE_MS / 1000})`.as('past_grace'))
    .where('integration_runs.id', '=', runId)
    .where('integration_runs.status', '=', 'queued')
    .executeTakeFirst();
  if (!run || offersRun(hub, run.connector, run)) return false;
  if (run.past_grace) return false;
  hub.logger.info({ runId, connector: run.connector, stream: run.stream, action: run.action }, 'run left for a process that offers its connector (a rolling upgrade?)');
  await enqueueRun(hub, runId, UNOFFERED_RETRY_MS);
  return true;
}
