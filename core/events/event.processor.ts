import type { Insertable } from 'kysely';
import type { IntegrationRunsTable } from '../db/database.types.ts';
import type { Job } from '../queue/queue.types.ts';
import { routeActsOn, routeInput } from '../routes/route.apply.ts';
import { endsFailureChain } from '../runs/failure-cause.ts';
import { dispatchRuns } from '../runs/run.jobs.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { JobRegistration } from '../server/job-handlers.ts';
import { EVENT_QUEUE, type EventJob } from './event.dispatch.ts';

/**
 * Routes a batch of events: every enabled route of the event's tenant that matches gets one action
 * run keyed `route:<route>:<event>`, so however often an event is processed or replayed, each route
 * acts on it at most once. The runs and the events' new status commit together. The failure of a
 * route action that was handling a failure is not routed again (failure-cause.ts): no alert loops.
 */
export async function processEvents(hub: HubContext, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  const ids = [...eventIds];
  const pendingOf = (db: typeof hub.db) =>
    db.selectFrom('integration_events').where('integration_events.id', 'in', ids).where('integration_events.status', '=', 'pending');
  const markProcessed = (db: typeof hub.db, which: readonly string[]) =>
    db
      .updateTable('integration_events')
      .set((eb) => ({ status: 'processed', processed_at: hub.clock(), attempts: eb('attempts', '+', 1), error: null }))
      .where('id', 'in', [...which])
      .where('status', '=', 'pending')
      .execute();

  const routes = await hub.db
    .selectFrom('routes')
    .selectAll()
    .where('tenant_id', 'in', pendingOf(hub.db).select('integration_events.tenant_id'))
    .where('enabled', '=', true)
    .execute();
  // Most events match no route: marking them processed is all there is, without reading them.
  if (routes.length === 0) {
    await markProcessed(hub.db, ids);
    return;
  }
  const events = await pendingOf(hub.db)
    .innerJoin('integration_configs', 'integration_configs.id', 'integration_events.integration_id')
    .selectAll('integration_events')
    .select(['integration_configs.connector', 'integration_configs.name as integration_name', 'integration_configs.environment'])
    .execute();
  if (events.length === 0) return;

  const runs: Array<Insertable<IntegrationRunsTable>> = [];
  for (const event of events) {
    if (endsFailureChain(event)) continue;
    const source = { name: event.integration_name, connector: event.connector, environment: event.environment };
    for (const route of routes) {
      if (route.tenant_id !== event.tenant_id || !routeActsOn(route, event, source)) continue;
      runs.push({
        tenant_id: event.tenant_id,
        integration_id: route.target_integration_id,
        kind: 'action',
        trigger: 'route',
        action: route.action,
        route_id: route.id,
        event_id: event.id,
        input: JSON.stringify(routeInput(route, event, source)),
        idempotency_key: `route:${route.id}:${event.id}`,
        status: 'queued',
      });
    }
  }

  const processed = events.map((event) => event.id);
  if (runs.length === 0) {
    await markProcessed(hub.db, processed);
    return;
  }
  const created = await hub.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('integration_runs')
      .values(runs)
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .execute();
    await markProcessed(trx as unknown as typeof hub.db, processed);
    return inserted.map((row) => row.id);
  });
  // Committed: with the queue away now, the reconciler queues them, and the job is done all the same.
  await dispatchRuns(hub, created);
}

export function eventJobRegistrations(hub: HubContext): JobRegistration[] {
  return [
    {
      queue: EVENT_QUEUE,
      concurrency: hub.config.HUB_WORKER_CONCURRENCY,
      handler: (job: Job) => {
        const data = job.data as EventJob & { eventId?: string };
        // Jobs queued by an older version carry one eventId.
        return processEvents(hub, data.eventIds ?? (data.eventId ? [data.eventId] : []));
      },
    },
  ];
}
