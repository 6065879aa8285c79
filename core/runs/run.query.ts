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

function selectRuns(hub: HubContext, tenantId: string) {
  return hub.db.selectFrom('integration_runs').selectAll().select(isoMicros('queued_at').as('queued_at_iso')).where('tenant_id', '=', tenantId);
}

/** Runs newest first, for GET /api/runs and the admin UI. */
export async function listRuns(hub: HubContext, tenantId: string, filter: RunFilter): Promise<ListedRun[]> {
  let select = selectRuns(hub, tenantId);
  if (filter.integrationId) select = select.where('integration_id', '=', filter.integrationId);
  if (filter.status) select = select.where('status', '=', filter.status);
  if (filter.kind) select = select.where('kind', '=', filter.kind);
  if (filter.stream) select = select.where('stream', '=', filter.stream);
  if (filter.errorCode) select = select.where('error_code', '=', filter.errorCode);
  if (filter.before) select = select.where(olderThan('queued_at', filter.before));
  return select.orderBy('queued_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function findRun(hub: HubContext, tenantId: string, id: string): Promise<ListedRun | undefined> {
  return selectRuns(hub, tenantId).where('id', '=', id).executeTakeFirst();
}
