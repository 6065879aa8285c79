import type { Runbook } from '../../core/runbooks/runbook.schema.ts';
import { severityBadge } from '../components/badges.ts';
import { html, type Html } from '../html.ts';
import { renderMarkdown } from '../markdown.ts';

export function RunbooksPage(runbooks: readonly Runbook[], openByCode: ReadonlyMap<string, number>): Html {
  const rows = runbooks.map(
    (runbook) => html`<tr>
  <th scope="row"><a href="/admin/runbooks/${runbook.code}">${runbook.title}</a></th>
  <td><code>${runbook.code}</code></td>
  <td>${severityBadge(runbook.severity)}</td>
  <td>${runbook.retryable ? 'Retried automatically' : 'Needs a person'}</td>
  <td>${runbook.connectors.join(', ')}</td>
  <td class="num">${openByCode.get(runbook.code) ? html`<a href="/admin/tasks?status=open&amp;code=${runbook.code}">${openByCode.get(runbook.code)}</a>` : '0'}</td>
</tr>`,
  );
  return html`<p class="muted">One runbook per failure code: what it means, likely causes, how to confirm, how to fix, how to escalate, and when it resolves.</p>
<div class="card card--flush"><div class="table-wrap"><table>
<thead><tr><th scope="col">Runbook</th><th scope="col">Code</th><th scope="col">Severity</th><th scope="col">Retries</th><th scope="col">Connectors</th><th scope="col" class="num">Open tasks</th></tr></thead>
<tbody>${rows}</tbody></table></div></div>`;
}

export function RunbookPage(runbook: Runbook): Html {
  return html`<p>${severityBadge(runbook.severity)} <code>${runbook.code}</code> · ${runbook.retryable ? 'The hub retries this failure automatically.' : 'The hub does not retry this failure: a person has to act.'} · Applies to ${runbook.connectors.join(', ')}.</p>
<article class="card markdown">${renderMarkdown(runbook.body)}</article>`;
}
