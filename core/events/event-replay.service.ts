import { sql, type Transaction } from 'kysely';
import { auditAs } from '../audit/audit-as.ts';
import type { Principal } from '../auth/principal.ts';
import type { Database, EventRow, RunRow } from '../db/database.types.ts';
import { ConflictError, NotFoundError } from '../http/api-error.ts';
import { isoMicros } from '../db/keyset.ts';
import { routeAction, routeActsOn, routeInput } from '../routes/route.apply.ts';
import { actedOn, routeRunKey } from '../routes/route-run-key.ts';
import { dispatchRuns } from '../runs/run.jobs.ts';
import { requeueFailedAction } from '../runs/run.repository.ts';
import type { HubContext } from '../server/hub-context.ts';
import { dispatchEvents } from './event.dispatch.ts';
import { isInteractionEvent } from './interaction-event.ts';

/**
 * Re-queues the event's failed (or cancelled) route actions whose route still exists, is enabled and matches the
 * event, each rebuilt from the route as it is now (target, action, input template): a route fixed
 * after its action failed is what runs. A failed run of a deleted, disabled or no longer matching
 * route (`route_id` has no foreign key) stays failed, as the record of what happened. The event's
 * actions are those keyed by it, or by the record version it carries (route-run-key.ts): of a
 * change pushed and then polled, a replay of either event retries the action the first one started.
 */
async function requeueFailedActions(hub: HubContext, trx: Transaction<Database>, event: EventRow): Promise<{ retried: string[]; skipped: number }> {
  const source = await trx
    .selectFrom('integration_configs')
    .select(['name', 'connector', 'environment'])
    .where('id', '=', event.integration_id)
    .executeTakeFirstOrThrow();
  const subject = actedOn(hub.connectors, source.connector, event);
  // Keyed route:<route>:<subject>: the run of a route on this version, whichever event made it,
  // found by its key through the unique index rather than by a scan of the tenant's failed runs.
  // Of a deleted route only the event's own runs are found: its key is not known any more.
  const versionKeys =
    subject === event.id
      ? []
      : (await trx.selectFrom('routes').select('id').where('tenant_id', '=', event.tenant_id).execute()).map((route) => routeRunKey(route.id, subject));
  const failed: RunRow[] = await trx
    .selectFrom('integration_runs')
    .selectAll()
    .where('tenant_id', '=', event.tenant_id)
    // Cancelled too: an action run whose route changed before it ran (route-withdrawn.ts) never
    // acted, and holds the route's key for the event, so only a replay lets the route of now act.
    .where('status', 'in', ['failed', 'cancelled'])
    .where((eb) => (versionKeys.length === 0 ? eb('event_id', '=', event.id) : eb.or([eb('event_id', '=', event.id), eb('idempotency_key', 'in', versionKeys)])))
    .execute();
  const routeIds = [...new Set(failed.flatMap((run) => (run.route_id ? [run.route_id] : [])))];
  if (routeIds.length === 0) return { retried: [], skipped: failed.length };
  const routes = await trx
    .selectFrom('routes')
    // The target's connector says how its action takes event data (route.apply.ts).
    .innerJoin('integration_configs as target', 'target.id', 'routes.target_integration_id')
    .selectAll('routes')
    .select('target.connector as target_connector')
    .where('routes.tenant_id', '=', event.tenant_id)
    .where('routes.id', 'in', routeIds)
    .where('routes.enabled', '=', true)
    .execute();

  const retried: string[] = [];
  for (const run of failed) {
    const route = routes.find((candidate) => candidate.id === run.route_id);
    if (!route || !routeActsOn(route, event, source)) continue;
    const requeued = await requeueFailedAction(
      trx,
      run.id,
      { integrationId: route.target_integration_id, action: route.action, input: routeInput(route, event, source, routeAction(hub.connectors, route.target_connector, route)) },
    );
    if (requeued) retried.push(run.id);
  }
  return { retried, skipped: failed.length - retried.length };
}

/**
 * Routes an event again, through the routes of now: every enabled route that matches it acts on
 * it once — one added since acts for the first time; an action that already succeeded is not
 * repeated (its run key exists); a failed one runs again if its route still would act on the event.
 */
export interface ReplayOutcome {
  event: EventRow;
  failedActionsRetried: number;
  /** Failed actions whose route was deleted, disabled or no longer matches: they stay failed. */
  failedActionsNotRetried: number;
}

export async function replayEvent(hub: HubContext, principal: Principal, eventId: string, requestId: string): Promise<ReplayOutcome> {
  const { row, retried, skipped } = await hub.db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('integration_events').select('dedupe_key').where('tenant_id', '=', principal.tenantId).where('id', '=', eventId).executeTakeFirst();
    if (!found) throw new NotFoundError('event');
    if (isInteractionEvent(found)) {
      throw new ConflictError('This event is a chat interaction (a command or a button press), which the hub answered when it arrived; interactions are not routed, so there is nothing to replay.');
    }
    const row = await trx
      .updateTable('integration_events')
      // Replayed now: the routes of now act on it, those created since it was received included.
      // (Of an event routed or failed, a trigger of migration 0019 stamps it too, for the replays of
      // a previous version's processes during a rolling upgrade.)
      .set({ status: 'pending', processed_at: null, error: null, replayed_at: sql<Date>`now()` })
      .where('tenant_id', '=', principal.tenantId)
      .where('id', '=', eventId)
      .returningAll()
      // At full precision, as the list gives it (the next page's `before`).
      .returning(isoMicros('received_at').as('received_at_iso'))
      .executeTakeFirst();
    if (!row) throw new NotFoundError('event');
    const { retried, skipped } = await requeueFailedActions(hub, trx, row);
    await auditAs(trx, principal, requestId, {
      action: 'event.replayed',
      targetType: 'event',
      targetId: row.id,
      detail: { type: row.type, failedActionsRetried: retried.length, failedActionsNotRetried: skipped },
    });
    return { row, retried, skipped };
  });
  // After the commit, which is the replay: should the queue be unreachable, the reconciler picks up
  // the queued runs (and the pending event), so the operator is told 202 all the same.
  await dispatchRuns(hub, retried);
  await dispatchEvents(hub, [row.id]);
  return { event: row, failedActionsRetried: retried.length, failedActionsNotRetried: skipped };
}
