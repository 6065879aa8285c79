import { sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import { storableText } from '../../connectors/sdk/storable-text.ts';
import type { Database, EventRow, IntegrationRunsTable, RouteRow } from '../db/database.types.ts';
import { boundedChunks } from '../db/bounded-chunks.ts';
import { isoMicros } from '../db/keyset.ts';
import { isDataException, isProgramLimitExceeded } from '../db/postgres-errors.ts';
import type { Job } from '../queue/queue.types.ts';
import { routeAction, routeActsOn, routeInput } from '../routes/route.apply.ts';
import { actedOn, routeRunKey } from '../routes/route-run-key.ts';
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

  // Most events match no route: marking them processed is all there is, without reading them. Not
  // one replayed, at any time: a replay may be for a route made since, so it is read, below.
  const anyRoute = await hub.db
    .selectFrom('routes')
    .select('id')
    .where('tenant_id', 'in', pendingOf(hub.db).select('integration_events.tenant_id'))
    .where('enabled', '=', true)
    .limit(1)
    .executeTakeFirst();
  if (!anyRoute) {
    const marked = await markEvents(hub.db, ids.map((id) => ({ id, replayedAt: null })), { status: 'processed' });
    if (marked.length === ids.length) return;
  }
  // The events before the routes: a route made before an event's replay is then always seen, and an
  // event replayed after this read keeps its new replayed_at, which the marks below leave pending
  // for the replay's own job instead of settling it by this older plan.
  const events = await pendingOf(hub.db)
    .innerJoin('integration_configs', 'integration_configs.id', 'integration_events.integration_id')
    .selectAll('integration_events')
    .select([isoMicros('integration_events.received_at').as('received_at_iso'), isoMicros('integration_events.replayed_at').as('replayed_at_iso')])
    .select(['integration_configs.connector', 'integration_configs.name as integration_name', 'integration_configs.environment'])
    .execute();
  if (events.length === 0) return;
  const routes = await hub.db
    .selectFrom('routes')
    // The target's connector says how its action takes event data (route.apply.ts).
    .innerJoin('integration_configs as target', 'target.id', 'routes.target_integration_id')
    .selectAll('routes')
    .select('target.connector as target_connector')
    .select(isoMicros('routes.enabled_at').as('enabled_at_iso'))
    .where('routes.tenant_id', 'in', [...new Set(events.map((event) => event.tenant_id))])
    .where('routes.enabled', '=', true)
    .execute();

  // Events commit in groups, each event's runs with its new status: a group's runs are bounded in
  // number and size, whatever the count of events, matching routes and template output.
  const plans: EventPlan[] = [];
  for (const event of events) {
    const seen = { id: event.id, replayedAt: event.replayed_at_iso };
    try {
      plans.push({ event: seen, runs: actionRuns(hub, event, routes, actedOn(hub.connectors, event.connector, event)) });
    } catch (error) {
      // Judging and templating are pure: what throws for this event throws on every retry.
      await refuseEvent(hub, seen, error);
    }
  }
  for (const group of boundedChunks(plans, (plan) => ({ count: plan.runs.length, chars: inputChars(plan.runs) }), STATEMENT_LIMITS)) {
    const created = await commitRefusingAlone(hub, group);
    // Committed: with the queue away now, the reconciler queues them, and the job is done all the same.
    await dispatchRuns(hub, created);
  }
}

// One INSERT takes at most 65,535 parameters (ten a run) and should stay a few megabytes: a batch of
// hundreds of events matching dozens of routes, or inputs of megabytes each, go in several.
const STATEMENT_LIMITS = { count: 1_000, chars: 8 * 1024 * 1024 };

function inputChars(runs: Array<Insertable<IntegrationRunsTable>>): number {
  return runs.reduce((sum, run) => sum + (typeof run.input === 'string' ? run.input.length : 0), 0);
}

/** The group committed; when the database refuses a value of one event's runs, each event alone, so only that one fails. */
async function commitRefusingAlone(hub: HubContext, plans: EventPlan[]): Promise<string[]> {
  try {
    return await commitPlans(hub, plans);
  } catch (error) {
    if (!refusedByDatabase(error)) throw error;
  }
  const created: string[] = [];
  for (const plan of plans) {
    try {
      created.push(...(await commitPlans(hub, [plan])));
    } catch (single) {
      if (!refusedByDatabase(single)) throw single;
      await refuseEvent(hub, plan.event, single);
    }
  }
  return created;
}

/** A value of the statement was refused: the same rows are refused again on every retry. */
function refusedByDatabase(error: unknown): boolean {
  return isDataException(error) || isProgramLimitExceeded(error);
}

/** A pending event as read for routing: its replay (if any) as it was then. */
interface SeenEvent {
  id: string;
  replayedAt: string | null;
}

/** One pending event's routing: the action runs its matching routes get. */
interface EventPlan {
  event: SeenEvent;
  runs: Array<Insertable<IntegrationRunsTable>>;
}

type EventToRoute = EventRow & { connector: string; integration_name: string; environment: string; received_at_iso: string; replayed_at_iso: string | null };
/** Instants at PostgreSQL's full precision (isoMicros): a route enabled within the millisecond after an event must still not act on it. */
type RouteToApply = RouteRow & { enabled_at_iso: string; target_connector: string };

/** The runs of the routes acting on the event, each keyed by its route and `subject` (route-run-key.ts). */
function actionRuns(hub: Pick<HubContext, 'connectors'>, event: EventToRoute, routes: RouteToApply[], subject: string): Array<Insertable<IntegrationRunsTable>> {
  if (endsFailureChain(event)) return [];
  const source = { name: event.integration_name, connector: event.connector, environment: event.environment };
  const runs: Array<Insertable<IntegrationRunsTable>> = [];
  // A route acts on the events received, or replayed, while it is enabled: not on older ones still
  // waiting to be routed when it was created or switched on (a backlog while the workers were down).
  // Same-format UTC timestamps with microseconds compare as text.
  const askedAt = event.replayed_at_iso ?? event.received_at_iso;
  for (const route of routes) {
    if (route.tenant_id !== event.tenant_id || route.enabled_at_iso > askedAt || !routeActsOn(route, event, source)) continue;
    runs.push({
      tenant_id: event.tenant_id,
      integration_id: route.target_integration_id,
      kind: 'action',
      trigger: 'route',
      action: route.action,
      route_id: route.id,
      event_id: event.id,
      input: JSON.stringify(routeInput(route, event, source, routeAction(hub.connectors, route.target_connector, route))),
      idempotency_key: routeRunKey(route.id, subject),
      status: 'queued',
    });
  }
  return runs;
}

/**
 * Marks the plans' events processed and stores the runs of those it marked, together; the ids of the
 * runs created. An event replayed since its plan was made is not marked, and its runs are not stored:
 * the replay's own job routes it as it is now.
 */
async function commitPlans(hub: HubContext, plans: EventPlan[]): Promise<string[]> {
  const processed = plans.map((plan) => plan.event);
  if (processed.length === 0) return [];
  if (plans.every((plan) => plan.runs.length === 0)) {
    await markEvents(hub.db, processed, { status: 'processed' });
    return [];
  }
  return hub.db.transaction().execute(async (trx) => {
    const marked = new Set(await markEvents(trx, processed, { status: 'processed' }));
    const runs = plans.filter((plan) => marked.has(plan.event.id)).flatMap((plan) => plan.runs);
    const created: string[] = [];
    // One event's runs alone may pass the limits (it matched a thousand routes).
    for (const statement of boundedChunks(runs, (run) => ({ count: 1, chars: inputChars([run]) }), STATEMENT_LIMITS)) {
      const inserted = await trx
        .insertInto('integration_runs')
        .values(statement)
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .execute();
      created.push(...inserted.map((row) => row.id));
    }
    return created;
  });
}

/**
 * An event that cannot be routed for a reason of its own (its runs refused by the database, a
 * template that throws) is marked failed with why, instead of failing the job of every event
 * batched with it, over and over as the reconciler sends it back. A replay routes it again.
 */
async function refuseEvent(hub: HubContext, event: SeenEvent, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  hub.logger.warn({ eventId: event.id, err: { name: (error as Error)?.name, message } }, 'event could not be routed; marked failed');
  await markEvents(hub.db, [event], { status: 'failed', error: storableText(`routing failed: ${message}`, MAX_EVENT_ERROR_LENGTH) });
}

const MAX_EVENT_ERROR_LENGTH = 500;

/**
 * Settles pending events as routed (or refused), each only if it was not replayed since it was read:
 * a replay that landed meanwhile keeps its event pending for the replay's own job. Returns the ids
 * of those settled.
 */
async function markEvents(
  db: Kysely<Database> | Transaction<Database>,
  which: readonly SeenEvent[],
  outcome: { status: 'processed' | 'failed'; error?: string },
): Promise<string[]> {
  const neverReplayed = which.filter((event) => event.replayedAt === null).map((event) => event.id);
  const replayed = which.filter((event): event is { id: string; replayedAt: string } => event.replayedAt !== null);
  const settled = await db
    .updateTable('integration_events')
    .set((eb) => ({ status: outcome.status, processed_at: sql<Date>`now()`, attempts: eb('attempts', '+', 1), error: outcome.error ?? null }))
    .where('status', '=', 'pending')
    .where((eb) =>
      eb.or([
        ...(neverReplayed.length > 0 ? [eb.and([eb('id', 'in', neverReplayed), eb('replayed_at', 'is', null)])] : []),
        ...replayed.map((event) => eb.and([eb('id', '=', event.id), eb('replayed_at', '=', sql<Date>`${event.replayedAt}::timestamptz`)])),
      ]),
    )
    .returning('id')
    .execute();
  return settled.map((row) => row.id);
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
