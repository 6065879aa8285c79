import type { Kysely, Transaction } from 'kysely';
import type { Database, TaskHistoryRow, TaskRow } from '../db/database.types.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface TaskFilter {
  status?: TaskRow['status'] | undefined;
  integrationId?: string | undefined;
  limit: number;
}

export async function listTasks(db: Db, tenantId: string, filter: TaskFilter): Promise<TaskRow[]> {
  let select = db.selectFrom('tasks').selectAll().where('tenant_id', '=', tenantId);
  if (filter.status) select = select.where('status', '=', filter.status);
  if (filter.integrationId) select = select.where('integration_id', '=', filter.integrationId);
  return select.orderBy('opened_at', 'desc').limit(filter.limit).execute();
}

export async function findTask(db: Db, tenantId: string, id: string): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function findTaskByNumber(db: Db, tenantId: string, number: number): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('tenant_id', '=', tenantId).where('number', '=', number).executeTakeFirst();
}

export async function taskHistory(db: Db, taskId: string): Promise<TaskHistoryRow[]> {
  return db.selectFrom('task_history').selectAll().where('task_id', '=', taskId).orderBy('created_at').execute();
}

export async function addHistory(db: Db, task: Pick<TaskRow, 'id' | 'tenant_id'>, action: string, actor: string, note?: string): Promise<void> {
  await db
    .insertInto('task_history')
    .values({ tenant_id: task.tenant_id, task_id: task.id, action, actor, note: note ?? null })
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
