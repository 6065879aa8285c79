import type { HubContext } from '../../core/server/hub-context.ts';
import type { RunRow } from '../../core/db/database.types.ts';

/** As many runs as an integration has streams, and then some: the ids come from a link. */
export const MAX_SYNC_RUNS = 50;

/**
 * The poll runs a sync request made, in stream order. Ids of other tenants, other integrations or
 * other kinds of run are left out, as if they did not exist.
 */
export async function findSyncRuns(hub: HubContext, tenantId: string, integrationId: string, runIds: readonly string[]): Promise<Array<Omit<RunRow, 'input'>>> {
  if (runIds.length === 0) return [];
  return hub.db
    .selectFrom('integration_runs')
    .select([
      'id', 'tenant_id', 'integration_id', 'kind', 'stream', 'trigger', 'mode', 'idempotency_key', 'window_start', 'status', 'queued_at', 'started_at', 'finished_at',
      'latency_ms', 'pages', 'records_seen', 'records_new', 'records_changed', 'payload_hash', 'error_code', 'error_message', 'attempts', 'heartbeat_at',
      'next_attempt_at', 'action', 'route_id', 'event_id', 'result', 'requested_by',
    ])
    .where('tenant_id', '=', tenantId)
    .where('integration_id', '=', integrationId)
    .where('kind', '=', 'poll')
    .where('id', 'in', runIds.slice(0, MAX_SYNC_RUNS))
    .orderBy('stream')
    .execute();
}
