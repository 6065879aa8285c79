import type { RunRow } from '../db/database.types.ts';
import { isoMicros, olderThan, type KeysetCursor } from '../db/keyset.ts';
import type { HubContext } from '../server/hub-context.ts';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const RUN_KINDS = ['poll', 'check', 'action', 'webhook'] as const;

export interface RunFilter {
  integrationId?: string | undefined;
  status?: (typeof RUN_STATUSES)[number] | undefined;
  kind?: (typeof RUN_KINDS)[number] | undefined;
  stream?: string | undefined;
  errorCode?: string | undefined;
  /** Where the page starts in the newest-first order (queued_at, then id); see core/db/keyset.ts. */
  before?: KeysetCursor | undefined;
  limit: number;
}

/** A run with `queued_at` at full precision as an ISO string (UTC), for the next page's `before`. */
export type ListedRun = RunRow & { queued_at_iso: string };

/**
 * A run as lists show it: without the action's input, which no list shows and which may run to
 * megabytes (a rendered route template): 500 of them were read only to be dropped.
 */
export type RunSummary = Omit<ListedRun, 'input'>;

// Every column but the input.
const LISTED_COLUMNS = [
  'id', 'tenant_id', 'integration_id', 'kind', 'stream', 'trigger', 'mode', 'idempotency_key', 'window_start', 'status', 'queued_at', 'started_at', 'finished_at',
  'latency_ms', 'pages', 'records_seen', 'records_new', 'records_changed', 'payload_hash', 'error_code', 'error_message', 'attempts', 'heartbeat_at',
  'next_attempt_at', 'action', 'route_id', 'event_id', 'result', 'requested_by',
] as const;

/** Runs newest first, for GET /api/runs and the admin UI. */
export async function listRuns(hub: HubContext, tenantId: string, filter: RunFilter): Promise<RunSummary[]> {
  let select = hub.db.selectFrom('integration_runs').select(LISTED_COLUMNS).select(isoMicros('queued_at').as('queued_at_iso')).where('tenant_id', '=', tenantId);
  if (filter.integrationId) select = select.where('integration_id', '=', filter.integrationId);
  if (filter.status) select = select.where('status', '=', filter.status);
  if (filter.kind) select = select.where('kind', '=', filter.kind);
  if (filter.stream) select = select.where('stream', '=', filter.stream);
  if (filter.errorCode) select = select.where('error_code', '=', filter.errorCode);
  if (filter.before) select = select.where(olderThan('queued_at', filter.before));
  return select.orderBy('queued_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function findRun(hub: HubContext, tenantId: string, id: string): Promise<ListedRun | undefined> {
  return hub.db.selectFrom('integration_runs').selectAll().select(isoMicros('queued_at').as('queued_at_iso')).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}
