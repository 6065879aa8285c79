import type { RunRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const RUN_KINDS = ['poll', 'check', 'action', 'webhook'] as const;

export interface RunFilter {
  integrationId?: string | undefined;
  status?: (typeof RUN_STATUSES)[number] | undefined;
  kind?: (typeof RUN_KINDS)[number] | undefined;
  stream?: string | undefined;
  errorCode?: string | undefined;
  /** Keyset paging: runs queued before this instant. */
  before?: Date | undefined;
  limit: number;
}

/** Runs newest first, for GET /api/runs and the admin UI (which adds the error-code filter and keyset paging). */
export async function listRuns(hub: HubContext, tenantId: string, filter: RunFilter): Promise<RunRow[]> {
  let select = hub.db.selectFrom('integration_runs').selectAll().where('tenant_id', '=', tenantId);
  if (filter.integrationId) select = select.where('integration_id', '=', filter.integrationId);
  if (filter.status) select = select.where('status', '=', filter.status);
  if (filter.kind) select = select.where('kind', '=', filter.kind);
  if (filter.stream) select = select.where('stream', '=', filter.stream);
  if (filter.errorCode) select = select.where('error_code', '=', filter.errorCode);
  if (filter.before) select = select.where('queued_at', '<', filter.before);
  return select.orderBy('queued_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function findRun(hub: HubContext, tenantId: string, id: string): Promise<RunRow | undefined> {
  return hub.db.selectFrom('integration_runs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}
