import type { RouteRow } from '../../core/db/database.types.ts';
import { isoMicros } from '../../core/db/keyset.ts';
import { NotFoundError } from '../../core/http/api-error.ts';
import type { HubContext } from '../../core/server/hub-context.ts';

/** A route with its version: `updated_at` at full precision, read with the row it belongs to. */
export type VersionedRoute = RouteRow & { version: string };

/**
 * The route plus its version (`updated_at` at full precision, microseconds, ISO in UTC) from one
 * read, so the edit form carries the version of exactly the values it shows and a save from a
 * form left open cannot undo a newer change. A JavaScript Date would cut the time to milliseconds.
 */
export async function requireVersionedRoute(hub: HubContext, tenantId: string, id: string): Promise<VersionedRoute> {
  const row = await hub.db.selectFrom('routes').selectAll().select(isoMicros('updated_at').as('version')).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('route');
  return row;
}
