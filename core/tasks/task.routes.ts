import { cursorOf } from '../db/keyset.ts';
import { auditActorOf } from '../audit/audit-as.ts';
import { NotFoundError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { ErrorResponse } from '../../schemas/api/common.schema.ts';
import { Task, TaskActionRequest, TaskList, TaskQuery, TaskRefParams, TaskWithHistory } from '../../schemas/api/task.schema.ts';
import { taskNumberOf } from './task-key.ts';
import { findTask, findTaskByNumber, listTasks, taskHistory } from './task.repository.ts';
import type { HubContext } from '../server/hub-context.ts';
import { toHistoryEntry, toTask } from './task.mapper.ts';
import { acknowledgeTask, resolveTask } from './task.service.ts';

const notFound = { 404: { description: 'not found', schema: ErrorResponse } };
const refused = { ...notFound, 409: { description: 'not in a state that allows this', schema: ErrorResponse } };

/** The id of the task `ref` names: itself, or the task whose key (TASK-42) it is. */
async function taskId(hub: HubContext, tenantId: string, ref: string): Promise<string> {
  const number = taskNumberOf(ref);
  if (number === undefined) return ref;
  const row = await findTaskByNumber(hub.db, tenantId, number);
  if (!row) throw new NotFoundError('task');
  return row.id;
}

export const taskRoutes = [
  defineRoute({
    method: 'get', path: '/api/tasks', summary: "Remediation tasks, newest first. Next page: `before` = the last task's `openedAt`, `beforeId` = its `id`", tag: 'tasks', access: 'viewer',
    query: TaskQuery, responses: { 200: { description: 'tasks', schema: TaskList } },
    async handler({ query }, { hub, principal }) {
      const rows = await listTasks(hub.db, principal.tenantId, { ...query, before: cursorOf(query) });
      return { status: 200, body: { tasks: rows.map(toTask) } };
    },
  }),
  defineRoute({
    method: 'get', path: '/api/tasks/:id', summary: 'One task with its history', tag: 'tasks', access: 'viewer', resource: 'task',
    params: TaskRefParams, responses: { 200: { description: 'task', schema: TaskWithHistory }, ...notFound },
    async handler({ params }, { hub, principal }) {
      const row = await findTask(hub.db, principal.tenantId, await taskId(hub, principal.tenantId, params.id));
      if (!row) throw new NotFoundError('task');
      return { status: 200, body: { ...toTask(row), history: (await taskHistory(hub.db, row.id)).map(toHistoryEntry) } };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/tasks/:id/ack', summary: 'Acknowledge an open task (who and when are recorded)', tag: 'tasks',
    access: 'operator', resource: 'task', params: TaskRefParams, body: TaskActionRequest,
    responses: { 200: { description: 'acknowledged', schema: Task }, ...refused },
    async handler({ params, body }, { hub, principal, requestId }) {
      const row = await acknowledgeTask(hub, principal.tenantId, await taskId(hub, principal.tenantId, params.id), principal.label, body.note, auditActorOf(principal, requestId));
      return { status: 200, body: toTask(row) };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/tasks/:id/resolve', summary: 'Resolve a task, with an optional note', tag: 'tasks',
    access: 'operator', resource: 'task', params: TaskRefParams, body: TaskActionRequest,
    responses: { 200: { description: 'resolved', schema: Task }, ...refused },
    async handler({ params, body }, { hub, principal, requestId }) {
      const row = await resolveTask(hub, principal.tenantId, await taskId(hub, principal.tenantId, params.id), principal.label, body.note, auditActorOf(principal, requestId));
      return { status: 200, body: toTask(row) };
    },
  }),
];
