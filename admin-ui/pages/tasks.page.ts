import type { TaskHistoryRow, TaskRow } from '../../core/db/database.types.ts';
import type { ListedTask, TaskListFilter, TaskListStatus } from '../../core/tasks/task.repository.ts';
import { severityBadge, taskBadge } from '../components/badges.ts';
import { csrfField } from '../components/csrf-field.ts';
import { FailureRunbookPanel, type FailureRunbookPanelProps } from '../components/failure-runbook-panel.ts';
import { olderLink } from '../components/pager.ts';
import { timeTag } from '../components/time.ts';
import { html, nothing, when, type Html } from '../html.ts';

export interface TasksView {
  tasks: ListedTask[];
  names: Map<string, string>;
  filter: TaskListFilter;
  /** The query string as given, for the Older link. */
  query: Record<string, string | undefined>;
  counts: Record<'open' | 'acknowledged' | 'resolved', number>;
  now: Date;
}

const EMPTY: Record<TaskListStatus | 'all', string> = {
  open: 'No open tasks. Everything is running.',
  acknowledged: 'No acknowledged tasks.',
  unresolved: 'No unresolved tasks. Everything is running.',
  resolved: 'No resolved tasks yet.',
  all: 'No tasks here.',
};

function lastOf(tasks: ListedTask[]): { at: string; id: string } | undefined {
  const last = tasks.at(-1);
  return last && { at: last.opened_at_iso, id: last.id };
}

export function TasksPage(view: TasksView): Html {
  const { status, integrationId, environment, code } = view.filter;
  // The filters as query parameters, but for `drop`: a "show every …" link lifts one filter only.
  const filters = (drop?: 'integrationId' | 'environment' | 'code') =>
    Object.entries({ integrationId, environment, code })
      .filter(([name, value]) => value !== undefined && name !== drop)
      .map(([name, value]) => `&${name}=${value}`)
      .join('');
  const suffix = filters();
  const tab = (tabStatus: TaskListStatus | undefined, label: string, count?: number) =>
    html`<a href="/admin/tasks?status=${tabStatus ?? 'all'}${suffix}"${status === tabStatus ? html` aria-current="page"` : nothing}>${label}${
      count === undefined ? nothing : html` <span class="count">${count}</span>`
    }</a>`;
  const rows = view.tasks.map(
    (task) => html`<tr>
  <th scope="row" class="nowrap"><a href="/admin/tasks/${task.id}">TASK-${task.number}</a></th>
  <td>${task.title}<span class="sub">${task.last_error ?? ''}</span></td>
  <td>${task.integration_id ? html`<a href="/admin/integrations/${task.integration_id}">${view.names.get(task.integration_id) ?? 'deleted'}</a>` : '—'}</td>
  <td><a href="/admin/runbooks/${task.code}"><code>${task.code}</code></a></td>
  <td>${severityBadge(task.severity)}</td>
  <td>${taskBadge(task.status)}</td>
  <td class="num">${task.occurrences}</td>
  <td class="nowrap">${timeTag(task.opened_at, { now: view.now })}</td>
</tr>`,
  );
  // "Unresolved" (open or acknowledged) is what the health table counts as open tasks.
  return html`<nav class="tabs" aria-label="Task status">
  ${tab('open', 'Open', view.counts.open)}${tab('acknowledged', 'Acknowledged', view.counts.acknowledged)}${tab('unresolved', 'Unresolved', view.counts.open + view.counts.acknowledged)}${tab('resolved', 'Resolved', view.counts.resolved)}${tab(undefined, 'All')}
</nav>
${integrationId ? html`<p class="notice notice--info">Showing the tasks of ${view.names.get(integrationId) ?? 'one integration'}. <a href="/admin/tasks?status=${status ?? 'all'}${filters('integrationId')}">Show every integration</a>.</p>` : nothing}
${code ? html`<p class="notice notice--info">Showing the tasks of failure code <code>${code}</code>. <a href="/admin/tasks?status=${status ?? 'all'}${filters('code')}">Show every code</a>.</p>` : nothing}
${environment && !integrationId ? html`<p class="notice notice--info">Showing the tasks of ${environment} integrations. <a href="/admin/tasks?status=${status ?? 'all'}${filters('environment')}">Show every environment</a>.</p>` : nothing}
<div class="card card--flush">${
    view.tasks.length === 0
      ? html`<p class="empty">${EMPTY[status ?? 'all']}</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Task</th><th scope="col">Title</th><th scope="col">Integration</th><th scope="col">Code</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col" class="num">Occurrences</th><th scope="col">Opened</th></tr></thead><tbody>${rows}</tbody></table></div>`
  }</div>
${olderLink('/admin/tasks', view.query, lastOf(view.tasks), view.tasks.length === view.filter.limit)}`;
}

export interface TaskDetailView {
  task: TaskRow;
  history: TaskHistoryRow[];
  integrationName: string | undefined;
  runbookPanel: FailureRunbookPanelProps;
  csrf: string | undefined;
  now: Date;
}

function noteForm(action: string, label: string, csrf: string, id: string, primary: boolean): Html {
  return html`<form method="post" action="${action}" class="form">
  ${csrfField(csrf)}
  <div class="field"><label for="${id}">Note <span class="optional">(optional)</span></label><textarea id="${id}" name="note" rows="3" maxlength="2000" class="input" aria-describedby="${id}-hint"></textarea><p class="hint" id="${id}-hint">Recorded in the task history with your name.</p></div>
  <div class="form-actions"><button type="submit" class="button ${primary ? 'button--primary' : ''}">${label}</button></div>
</form>`;
}

export function TaskDetailPage(view: TaskDetailView): Html {
  const task = view.task;
  const history = view.history.map(
    (entry) => html`<li><strong>${entry.action.charAt(0).toUpperCase() + entry.action.slice(1)}</strong> by ${entry.actor} · ${timeTag(entry.created_at, { now: view.now })}${
      entry.note ? html`<p class="note">${entry.note}</p>` : nothing
    }</li>`,
  );
  const actions = view.csrf
    ? html`${when(task.status === 'open', () => html`<section class="card" aria-labelledby="ack-title"><h2 id="ack-title">Acknowledge</h2><p class="muted">Tell others you are on it. The task stays open until resolved.</p>${noteForm(`/admin/tasks/${task.id}/ack`, 'Acknowledge', view.csrf ?? '', 'ack-note', true)}</section>`)}
${when(task.status !== 'resolved', () => html`<section class="card" aria-labelledby="resolve-title"><h2 id="resolve-title">Resolve</h2><p class="muted">It also resolves by itself once every failing operation has succeeded again.</p>${noteForm(`/admin/tasks/${task.id}/resolve`, 'Resolve', view.csrf ?? '', 'resolve-note', task.status !== 'open')}</section>`)}`
    : nothing;
  return html`<div class="grid grid--sidebar">
  <div>
    ${FailureRunbookPanel(view.runbookPanel)}
  </div>
  <div>
    ${actions}
    <section class="card" aria-labelledby="task-props"><h2 id="task-props">Task</h2>
      <dl class="props">
        <dt>Status</dt><dd>${taskBadge(task.status)}</dd>
        <dt>Severity</dt><dd>${severityBadge(task.severity)}</dd>
        <dt>Integration</dt><dd>${task.integration_id ? html`<a href="/admin/integrations/${task.integration_id}">${view.integrationName ?? 'deleted'}</a>` : '—'}</dd>
        <dt>Failures</dt><dd><a href="/admin/runs?integrationId=${task.integration_id ?? ''}&amp;errorCode=${task.code}">${task.occurrences} occurrence${task.occurrences === 1 ? '' : 's'}</a></dd>
        ${when(task.status !== 'resolved' && task.failing_operations.length > 0, () => html`<dt>Still failing</dt><dd>${task.failing_operations.map((operation, i) => html`${i > 0 ? ', ' : ''}<code>${operation}</code>`)}</dd>`)}
        <dt>Opened</dt><dd>${timeTag(task.opened_at, { now: view.now })}</dd>
        ${task.acknowledged_at ? html`<dt>Acknowledged</dt><dd>${task.acknowledged_by} · ${timeTag(task.acknowledged_at, { now: view.now })}</dd>` : nothing}
        ${task.resolved_at ? html`<dt>Resolved</dt><dd>${task.resolved_by} · ${timeTag(task.resolved_at, { now: view.now })}</dd>` : nothing}
      </dl>
    </section>
    <section class="card" aria-labelledby="history-title"><h2 id="history-title">History</h2><ol class="timeline">${history}</ol></section>
  </div>
</div>`;
}
