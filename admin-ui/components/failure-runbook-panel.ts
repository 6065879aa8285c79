import type { TaskRow } from '../../core/db/database.types.ts';
import type { Runbook } from '../../core/runbooks/runbook.schema.ts';
import { html, nothing, when, type Html } from '../html.ts';
import { renderMarkdown } from '../markdown.ts';
import { severityBadge, taskBadge } from './badges.ts';
import { actionButton } from './csrf-field.ts';

export interface FailureRunbookPanelProps {
  code: string;
  runbook: Runbook | undefined;
  /** What the hub recorded about this failure. */
  message: string | null;
  /** The remediation task open for this integration and code, if any. */
  task?: TaskRow | undefined;
  /** Present when the viewer may acknowledge the task here. */
  csrf?: string | undefined;
}

/** A failure's runbook in place: what it means, how to confirm and fix it, and the task to act on. */
export function FailureRunbookPanel(props: FailureRunbookPanelProps): Html {
  const { code, runbook, task } = props;
  const taskLine = task
    ? html`<div class="notice notice--${task.status === 'open' ? 'error' : 'info'}">
  <a href="/admin/tasks/${task.id}"><strong>TASK-${task.number}</strong></a> ${taskBadge(task.status)} — ${task.title} (${task.occurrences} occurrence${task.occurrences === 1 ? '' : 's'})
  ${when(props.csrf && task.status === 'open', () => html` ${actionButton({ action: `/admin/tasks/${task.id}/ack`, label: 'Acknowledge task', csrf: props.csrf ?? '', variant: 'primary' })}`)}
</div>`
    : nothing;
  if (!runbook) {
    return html`<section class="card runbook-panel" aria-labelledby="runbook-title">
  <div class="runbook-panel__head"><h2 id="runbook-title">Failure <code>${code}</code></h2></div>
  ${props.message ? html`<p><strong>Recorded error:</strong> ${props.message}</p>` : nothing}
  ${taskLine}
  <p class="muted">There is no runbook for this code. Escalate to the hub maintainers with the run id.</p>
</section>`;
  }
  return html`<section class="card runbook-panel" aria-labelledby="runbook-title">
  <div class="runbook-panel__head">
    <h2 id="runbook-title">Runbook: ${runbook.title}</h2>
    ${severityBadge(runbook.severity)}
    <code>${runbook.code}</code>
    <span class="muted">${runbook.retryable ? 'Retried automatically' : 'Not retried: a person has to act'}</span>
  </div>
  ${props.message ? html`<p><strong>Recorded error:</strong> ${props.message}</p>` : nothing}
  ${taskLine}
  <div class="markdown">${renderMarkdown(runbook.body)}</div>
  <p><a href="/admin/runbooks/${runbook.code}">Open this runbook on its own page</a></p>
</section>`;
}
