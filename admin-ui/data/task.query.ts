import type { TaskRow } from '../../core/db/database.types.ts';
import { isoMicros, olderThan, type KeysetCursor } from '../../core/db/keyset.ts';
import type { HubContext } from '../../core/server/hub-context.ts';

// The admin UI's task lists. Newest first by (opened_at, id) and paged by where the previous page
// ended, as runs and events are: a fixed limit without a pager silently hid the oldest tasks.

/** A task status, or `unresolved` for open and acknowledged ones (what health counts as open tasks). */
export const TASK_LIST_STATUSES = ['open', 'acknowledged', 'unresolved', 'resolved'] as const;
export type TaskListStatus = (typeof TASK_LIST_STATUSES)[number];

export interface TaskListFilter {
  status?: TaskListStatus | undefined;
  integrationId?: string | undefined;
  /** Where the page starts in the newest-first order (opened_at, then id); see core/db/keyset.ts. */
  before?: KeysetCursor | undefined;
  limit: number;
}

/** A task with `opened_at` at full precision as an ISO string (UTC), for the next page's `before`. */
export type ListedTask = TaskRow & { opened_at_iso: string };

export async function listTaskPage(hub: HubContext, tenantId: string, filter: TaskListFilter): Promise<ListedTask[]> {
  let select = hub.db.selectFrom('tasks').selectAll().select(isoMicros('opened_at').as('opened_at_iso')).where('tenant_id', '=', tenantId);
  if (filter.status === 'unresolved') select = select.where('status', '<>', 'resolved');
  else if (filter.status) select = select.where('status', '=', filter.status);
  if (filter.integrationId) select = select.where('integration_id', '=', filter.integrationId);
  if (filter.before) select = select.where(olderThan('opened_at', filter.before));
  return select.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}
