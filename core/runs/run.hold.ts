import { sql, type ExpressionBuilder } from 'kysely';
import type { Database } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { enqueueRun } from './run.jobs.ts';

// Pausing or disabling an integration holds its work back: a queued run of it — a retry, a route
// action or task alert aimed at it — stays queued, untouched and without using an attempt, until
// the integration is resumed or enabled again; nothing is dropped and nothing reaches the upstream
// meanwhile. A sync someone asks for by hand ("Run now") still runs, as the admin UI promises: a
// person overriding the pause on purpose; one queued before the pause (or before the integration
// was disabled) waits like the rest. A run already running when the pause comes finishes; its
// retries are held.

/** The run's integration lets it start now (a condition on `integration_runs` rows). */
export function integrationLetsRunStart(eb: ExpressionBuilder<Database, 'integration_runs'>) {
  return eb.exists(
    eb
      .selectFrom('integration_configs')
      .select('integration_configs.id')
      .whereRef('integration_configs.id', '=', 'integration_runs.integration_id')
      .where((c) =>
        c.or([
          c.and([c('integration_configs.enabled', '=', true), c('integration_configs.paused_at', 'is', null)]),
          c.and([
            c('integration_runs.trigger', '=', 'manual'),
            c.or([c('integration_configs.paused_at', 'is', null), c('integration_runs.queued_at', '>=', c.ref('integration_configs.paused_at'))]),
            c.or([c('integration_configs.disabled_at', 'is', null), c('integration_runs.queued_at', '>=', c.ref('integration_configs.disabled_at'))]),
          ]),
        ]),
      ),
  );
}

/**
 * Puts the held runs of an integration back on the queue at once, for when it is resumed or
 * enabled again. Without this call the reconciler still finds them, a lease later.
 */
export async function releaseHeldRuns(hub: HubContext, integrationId: string): Promise<number> {
  const runs = await hub.db
    .selectFrom('integration_runs')
    .select('id')
    // A held retry keeps its backoff: what is left of it by the database's clock, as its due time
    // was written by another process, on another host (database-time.ts).
    .select(sql<number>`greatest(0, ceil(extract(epoch from (next_attempt_at - now())) * 1000))::float8`.as('due_in_ms'))
    .where('integration_id', '=', integrationId)
    .where('status', '=', 'queued')
    .where(integrationLetsRunStart)
    .execute();
  try {
    for (const run of runs) await enqueueRun(hub, run.id, Number(run.due_in_ms ?? 0));
  } catch (error) {
    // The resume or enable is committed: failing it now would only hide that. Queued runs are the
    // reconciler's to dispatch, as after any lost enqueue.
    hub.logger.warn({ err: error, integrationId, runs: runs.length }, 'could not enqueue the runs held for an integration; the reconciler will dispatch them');
  }
  return runs.length;
}
