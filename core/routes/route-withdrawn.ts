import type { RunRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';

/**
 * Why a route's action run must not run (again): its route was deleted, or now runs another action
 * or acts on another integration, after the run was made (a retry waiting, a backlog). The admin
 * took that action back; running it would act upstream against their change, and a failure would
 * reopen a task no success could settle any more. Undefined when the run may go ahead.
 */
export async function whyRouteWithdrawn(hub: HubContext, run: RunRow): Promise<string | undefined> {
  if (run.kind !== 'action' || run.route_id === null) return undefined;
  const route = await hub.db.selectFrom('routes').select(['target_integration_id', 'action']).where('id', '=', run.route_id).executeTakeFirst();
  if (!route) return 'its route was deleted before it ran';
  if (route.target_integration_id !== run.integration_id || route.action !== run.action) return 'its route was changed to run another action or to act on another integration before it ran';
  return undefined;
}
