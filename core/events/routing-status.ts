import { sql, type RawBuilder } from 'kysely';

/**
 * The status an inbound event is stored with: a `pending` event of a tenant without any enabled
 * route has nothing to wait for, so it is stored `processed` and never queued. Evaluated inside
 * the INSERT, so a route counts for every event committed after it (as far as a statement snapshot
 * sees); events already stored wait for nothing new, as with a route added after routing.
 */
export function routingStatus(tenantId: RawBuilder<unknown>, status: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`case when ${status} = 'pending' and not exists (
      select 1 from routes where routes.tenant_id = ${tenantId} and routes.enabled
    ) then 'processed' else ${status} end`;
}
