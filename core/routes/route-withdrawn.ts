import type { RunRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';

/**
 * Whether a route's action run was withdrawn: its route was deleted or switched off, or now runs
 * another action or acts on another integration, since the run was made (a retry waiting, a backlog, a run under
 * way). The admin took that action back: a waiting run must not act upstream against their change,
 * and no failure of it may open a task that no success could settle any more. Says why, or
 * undefined when the run is still the route's.
 */
export async function whyRouteWithdrawn(hub: HubContext, run: RunRow): Promise<string | undefined> {
  if (run.kind !== 'action' || run.route_id === null) return undefined;
  const route = await hub.db.selectFrom('routes').select(['target_integration_id', 'action', 'enabled']).where('id', '=', run.route_id).executeTakeFirst();
  if (!route) return 'its route was deleted';
  if (!route.enabled) return 'its route was switched off';
  if (route.target_integration_id !== run.integration_id || route.action !== run.action) return 'its route was changed to run another action or to act on another integration';
  return undefined;
}
