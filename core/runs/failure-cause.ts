import type { Kysely } from 'kysely';
import type { Database, RunRow } from '../db/database.types.ts';

// A failure event records what the failed run was doing for a route, so routing can tell an
// ordinary failure from the failure of a route that was itself handling a failure. Routing the
// latter again is how two failing alert targets (failure.* → T1, failure.* → T2) would alert each
// other without end; so a failure chain is routed one step deep and stops there.

/** The route action a failed run was: its route and the event that triggered it. */
export interface FailureCause {
  routeId: string;
  eventId: string;
  eventType: string | null;
}

/** The cause to record on a run's failure event; null for runs no route started (polls, task alerts). */
export async function failureCauseOf(db: Kysely<Database>, run: RunRow): Promise<FailureCause | null> {
  if (run.trigger !== 'route' || !run.route_id || !run.event_id) return null;
  const trigger = await db.selectFrom('integration_events').select('type').where('id', '=', run.event_id).executeTakeFirst();
  return { routeId: run.route_id, eventId: run.event_id, eventType: trigger?.type ?? null };
}

/** The event is the failure of a route action that was triggered by a failure: not routed again. */
export function endsFailureChain(event: { source: string; payload: unknown }): boolean {
  if (event.source !== 'system') return false;
  const cause = (event.payload as { cause?: Partial<FailureCause> | null } | null)?.cause;
  return typeof cause?.eventType === 'string' && cause.eventType.startsWith('failure.');
}
