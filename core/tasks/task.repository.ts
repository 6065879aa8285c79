import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, TaskHistoryRow, TaskRow } from '../db/database.types.ts';
import { isoMicros, olderThan, type KeysetCursor } from '../db/keyset.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A task status, or `unresolved` for open and acknowledged ones (what health counts as open tasks). */
export const TASK_LIST_STATUSES = ['open', 'acknowledged', 'unresolved', 'resolved'] as const;
export type TaskListStatus = (typeof TASK_LIST_STATUSES)[number];

export interface TaskListFilter {
  status?: TaskListStatus | undefined;
  integrationId?: string | undefined;
  /** Only the tasks of the tenant's integrations in this environment. */
  environment?: 'staging' | 'production' | undefined;
  /** Only the tasks of this failure code. */
  code?: string | undefined;
  /** Where the page starts in the newest-first order (opened_at, then id); see core/db/keyset.ts. */
  before?: KeysetCursor | undefined;
  limit: number;
}

/** A task with `opened_at` at full precision as an ISO string (UTC), for the next page's `before`. */
export type ListedTask = TaskRow & { opened_at_iso: string };

/**
 * Tasks newest first by (opened_at, id), paged by where the previous page ended, as runs and events
 * are: tasks opened in one instant are neither skipped nor repeated across pages.
 */
export async function listTasks(db: Db, tenantId: string, filter: TaskListFilter): Promise<ListedTask[]> {
  let select = db.selectFrom('tasks').selectAll().select(isoMicros('opened_at').as('opened_at_iso')).where('tenant_id', '=', tenantId);
  if (filter.status === 'unresolved') select = select.where('status', '<>', 'resolved');
  else if (filter.status) select = select.where('status', '=', filter.status);
  if (filter.integrationId) select = select.where('integration_id', '=', filter.integrationId);
  if (filter.environment) select = select.where('integration_id', 'in', integrationsIn(db, tenantId, filter.environment));
  if (filter.code) select = select.where('code', '=', filter.code);
  if (filter.before) select = select.where(olderThan('opened_at', filter.before));
  return select.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

/** The ids of the tenant's integrations in `environment`, as a subquery. */
export function integrationsIn(db: Db, tenantId: string, environment: 'staging' | 'production') {
  return db.selectFrom('integration_configs').select('id').where('tenant_id', '=', tenantId).where('environment', '=', environment);
}

/** The task, with its opening time at full precision as the list gives it. */
export async function findTask(db: Db, tenantId: string, id: string): Promise<ListedTask | undefined> {
  return db.selectFrom('tasks').selectAll().select(isoMicros('opened_at').as('opened_at_iso')).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function findTaskByNumber(db: Db, tenantId: string, number: number): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('tenant_id', '=', tenantId).where('number', '=', number).executeTakeFirst();
}

export async function taskHistory(db: Db, taskId: string): Promise<TaskHistoryRow[]> {
  return db.selectFrom('task_history').selectAll().where('task_id', '=', taskId).orderBy('created_at').orderBy('id').execute();
}

export async function addHistory(db: Db, task: Pick<TaskRow, 'id' | 'tenant_id'>, action: string, actor: string, note?: string): Promise<void> {
  await db
    .insertInto('task_history')
    // When the step is written, not when its transaction began (now()): a step that waited for
    // another's lock, such as a delete's resolve behind an ack, still comes after it in the history.
    .values({ tenant_id: task.tenant_id, task_id: task.id, action, actor, note: note ?? null, created_at: sql<Date>`clock_timestamp()` })
    .execute();
}

/** The tenant's next task number (TASK-42), atomically. */
export async function nextTaskNumber(db: Db, tenantId: string): Promise<number> {
  const row = await db
    .updateTable('tenants')
    .set((eb) => ({ task_seq: eb('task_seq', '+', 1) }))
    .where('id', '=', tenantId)
    .returning('task_seq')
    .executeTakeFirstOrThrow();
  return row.task_seq;
}
