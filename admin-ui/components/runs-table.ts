import type { RunRow } from '../../core/db/database.types.ts';
import { html, nothing, type Html } from '../html.ts';
import { runBadge } from './badges.ts';
import { duration, timeTag } from './time.ts';

function what(run: Omit<RunRow, 'input'>): string {
  if (run.kind === 'poll') return `Poll · ${run.stream ?? 'all'}${run.mode === 'full' ? ' (full)' : ''}`;
  if (run.kind === 'action') return `Action · ${run.action ?? ''}`;
  if (run.kind === 'check') return 'Connection check';
  return run.kind;
}

// Audit labels read "user:ana@example.com" or "token:ci"; in a table the kind is noise.
const actor = (label: string) => label.replace(/^(user|token):/, '');

export function runsTable(runs: readonly Omit<RunRow, 'input'>[], options: { now: Date; integrationNames?: ReadonlyMap<string, string>; empty?: string }): Html {
  if (runs.length === 0) return html`<p class="empty">${options.empty ?? 'No runs yet.'}</p>`;
  const rows = runs.map(
    (run) => html`<tr>
  <td class="nowrap"><a href="/admin/runs/${run.id}">${timeTag(run.queued_at, { now: options.now })}</a></td>
  ${options.integrationNames ? html`<td><a href="/admin/integrations/${run.integration_id}">${options.integrationNames.get(run.integration_id) ?? 'deleted'}</a></td>` : nothing}
  <td>${what(run)}<span class="sub">${run.trigger}${run.requested_by ? ` by ${actor(run.requested_by)}` : ''}</span></td>
  <td>${runBadge(run.status)}</td>
  <td class="num">${run.records_seen}<span class="sub">${run.records_new} new, ${run.records_changed} changed</span></td>
  <td class="num">${duration(run.latency_ms)}</td>
  <td>${run.error_code ? html`<a href="/admin/runs/${run.id}"><code>${run.error_code}</code></a>` : html`<span class="muted">—</span>`}</td>
</tr>`,
  );
  return html`<div class="table-wrap" role="region" aria-label="Runs table" tabindex="0"><table>
<thead><tr><th scope="col">Queued</th>${options.integrationNames ? html`<th scope="col">Integration</th>` : nothing}<th scope="col">Run</th><th scope="col">Status</th><th scope="col" class="num">Records</th><th scope="col" class="num">Duration</th><th scope="col">Error</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}
