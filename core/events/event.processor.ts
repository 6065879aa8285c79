import type { Job } from '../queue/queue.types.ts';
import { routeMatches, type RouteFilter } from '../routes/route.filter.ts';
import { renderTemplate } from '../routes/route.template.ts';
import { insertRunOnce } from '../runs/run.repository.ts';
import { enqueueRun } from '../runs/run.jobs.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { JobRegistration } from '../server/job-handlers.ts';
import { EVENT_QUEUE, type EventJob } from './event.dispatch.ts';

/**
 * Routes one event: every enabled route of the tenant that matches gets one action run keyed
 * `route:<route>:<event>`, so however often this event is processed or replayed, each route acts
 * on it at most once. The runs and the event's new status commit together.
 */
export async function processEvent(hub: HubContext, eventId: string): Promise<void> {
  const event = await hub.db
    .selectFrom('integration_events')
    .innerJoin('integration_configs', 'integration_configs.id', 'integration_events.integration_id')
    .selectAll('integration_events')
    .select(['integration_configs.connector', 'integration_configs.name as integration_name', 'integration_configs.environment'])
    .where('integration_events.id', '=', eventId)
    .executeTakeFirst();
  if (!event || event.status !== 'pending') return;

  const routes = await hub.db.selectFrom('routes').selectAll().where('tenant_id', '=', event.tenant_id).where('enabled', '=', true).execute();
  const matching = routes.filter(
    (route) =>
      // A failure of a route's own target must not trigger that route again: no alert loops.
      !(event.source === 'system' && route.target_integration_id === event.integration_id) &&
      routeMatches(route.filter as RouteFilter, { integrationId: event.integration_id, connector: event.connector, type: event.type, payload: event.payload }),
  );
  const scope = {
    event: { id: event.id, type: event.type, externalId: event.external_id, stream: event.stream, payload: event.payload, receivedAt: event.received_at.toISOString() },
    integration: { id: event.integration_id, name: event.integration_name, connector: event.connector, environment: event.environment },
  };

  const created = await hub.db.transaction().execute(async (trx) => {
    const runIds: string[] = [];
    for (const route of matching) {
      const run = await insertRunOnce(trx, {
        tenant_id: event.tenant_id,
        integration_id: route.target_integration_id,
        kind: 'action',
        trigger: 'route',
        action: route.action,
        route_id: route.id,
        event_id: event.id,
        input: JSON.stringify(renderTemplate(route.input_template, scope)),
        idempotency_key: `route:${route.id}:${event.id}`,
        status: 'queued',
      });
      if (run) runIds.push(run.id);
    }
    await trx
      .updateTable('integration_events')
      .set((eb) => ({ status: 'processed', processed_at: hub.clock(), attempts: eb('attempts', '+', 1), error: null }))
      .where('id', '=', event.id)
      .execute();
    return runIds;
  });
  for (const runId of created) await enqueueRun(hub, runId);
}

export function eventJobRegistrations(hub: HubContext): JobRegistration[] {
  return [{ queue: EVENT_QUEUE, concurrency: hub.config.HUB_WORKER_CONCURRENCY, handler: (job: Job) => processEvent(hub, (job.data as EventJob).eventId) }];
}
