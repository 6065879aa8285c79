import type { Hono } from 'hono';
import { auditActorOf } from '../../core/audit/audit-as.ts';
import { ValidationError } from '../../core/http/api-error.ts';
import { NotFoundError } from '../../core/http/api-error.ts';
import { getRunbook } from '../../core/runbooks/runbook.repository.ts';
import { FailureCode } from '../../core/runbooks/failure-codes.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import { findTask, taskHistory } from '../../core/tasks/task.repository.ts';
import { acknowledgeTask, resolveTask } from '../../core/tasks/task.service.ts';
import { TaskActionRequest } from '../../schemas/api/task.schema.ts';
import type { AdminEnv } from '../admin-env.ts';
import { can, currentSession, requireRole } from '../auth/middleware.ts';
import { taskBadge } from '../components/badges.ts';
import { integrationNames } from '../data/run.query.ts';
import { integrationsIn, listTasks, TASK_LIST_STATUSES } from '../../core/tasks/task.repository.ts';
import { isUuidText } from '../../core/db/uuid-text.ts';
import { parseFormRequest } from '../forms/form-request.ts';
import { html } from '../html.ts';
import { TaskDetailPage, TasksPage } from '../pages/tasks.page.ts';
import { renderPage } from '../render.ts';
import { cursorIn, formOf, idParam, oneOf } from './params.ts';

const PAGE_SIZE = 50;

export function registerTaskRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  app.get('/tasks', async (c) => {
    const session = currentSession(c);
    const query = c.req.query();
    const requested = query['status'];
    const status = requested === 'all' ? undefined : (oneOf(requested, TASK_LIST_STATUSES) ?? 'open');
    const integrationId = isUuidText(query['integrationId']) ? query['integrationId'] : undefined;
    const environment = oneOf(query['environment'], ['staging', 'production'] as const);
    const code = oneOf(query['code'], FailureCode.options);
    const filter = { status, integrationId, environment, code, before: cursorIn(query), limit: PAGE_SIZE };
    const [tasks, names, counts] = await Promise.all([
      listTasks(hub.db, session.tenant.id, filter),
      integrationNames(hub, session.tenant.id),
      (() => {
        let select = hub.db.selectFrom('tasks').select(['status', (eb) => eb.fn.countAll<string>().as('count')]).where('tenant_id', '=', session.tenant.id);
        if (integrationId) select = select.where('integration_id', '=', integrationId);
        if (environment) select = select.where('integration_id', 'in', integrationsIn(hub.db, session.tenant.id, environment));
        if (code) select = select.where('code', '=', code);
        return select.groupBy('status').execute();
      })(),
    ]);
    const byStatus = { open: 0, acknowledged: 0, resolved: 0 };
    for (const row of counts) byStatus[row.status] = Number(row.count);
    return renderPage(c, hub, {
      title: 'Tasks',
      heading: 'Remediation tasks',
      section: 'tasks',
      body: TasksPage({ tasks, names, filter, query, counts: byStatus, now: hub.clock() }),
    });
  });

  app.get('/tasks/:id', async (c) => {
    const session = currentSession(c);
    const task = await findTask(hub.db, session.tenant.id, idParam(c, 'task'));
    if (!task) throw new NotFoundError('task');
    const [history, names, runbook] = await Promise.all([taskHistory(hub.db, task.id), integrationNames(hub, session.tenant.id), getRunbook(task.code)]);
    return renderPage(c, hub, {
      title: `TASK-${task.number}`,
      heading: html`TASK-${task.number} ${taskBadge(task.status)}`,
      section: 'tasks',
      crumbs: [{ href: '/admin/tasks', label: 'Tasks' }, { label: `TASK-${task.number}` }],
      body: html`<p class="lead">${task.title}</p>${TaskDetailPage({
        task,
        history,
        integrationName: task.integration_id ? names.get(task.integration_id) : undefined,
        runbookPanel: { code: task.code, runbook, message: task.last_error },
        csrf: can(session, 'operator') ? session.csrfToken : undefined,
        now: hub.clock(),
      })}`,
    });
  });

  for (const [path, action] of [['ack', 'acknowledged'], ['resolve', 'resolved']] as const) {
    app.post(`/tasks/:id/${path}`, async (c) => {
      const session = requireRole(c, 'operator');
      const id = idParam(c, 'task');
      const form = await formOf(c);
      // Browsers send a textarea's line breaks as CRLF but count each as one character against its
      // maxlength: the note is taken as typed, so one that fitted the field fits the limit.
      const note = form['note']?.replaceAll('\r\n', '\n');
      const parsed = parseFormRequest(TaskActionRequest, note?.trim() ? { note } : {});
      if (!parsed.ok) {
        const problem = parsed.storable ? 'is too long: keep it under 2000 characters' : parsed.errors.map((error) => error.message).join('; ');
        throw new ValidationError(`The note ${problem}.`, parsed.errors);
      }
      const change = action === 'acknowledged' ? acknowledgeTask : resolveTask;
      // The audit entry commits with the status change, as through the API.
      const row = await change(hub, session.tenant.id, id, session.principal.label, parsed.data.note, auditActorOf(session.principal, c.get('requestId')));
      return c.redirect(`/admin/tasks/${row.id}?notice=${action}`, 303);
    });
  }
}
