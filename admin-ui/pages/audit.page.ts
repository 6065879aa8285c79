import type { ListedAuditEntry } from '../../core/audit/audit.repository.ts';
import { filterBar } from '../components/filter-bar.ts';
import { olderLink } from '../components/pager.ts';
import { timeTag } from '../components/time.ts';
import type { AuditNames } from '../data/audit-names.query.ts';
import { html, type Html } from '../html.ts';

export interface AuditView {
  entries: ListedAuditEntry[];
  names: AuditNames;
  action: string | undefined;
  limit: number;
  query: Record<string, string | undefined>;
}

// Long details (a rotation's fingerprints, a route's filter) would stretch the table; the API
// (`GET /api/audit`) has them whole.
const DETAIL_CHARS = 240;

function actor(entry: ListedAuditEntry, names: AuditNames): Html {
  if (entry.actor_type === 'user') return html`${names.users.get(entry.actor_id) ?? entry.actor_id}`;
  if (entry.actor_type === 'token') return html`token <strong>${names.tokens.get(entry.actor_id) ?? entry.actor_id}</strong>`;
  if (entry.actor_type === 'system') return html`<span class="muted">system</span>`;
  return html`${entry.actor_type}: ${entry.actor_id}`;
}

function target(entry: ListedAuditEntry, names: AuditNames): Html {
  const id = entry.target_id?.toLowerCase();
  if (!entry.target_type || !id) return html`<span class="muted">—</span>`;
  const linked = (href: string, label: string | undefined) => (label === undefined ? html`${entry.target_type} <code>${id}</code>` : html`<a href="${href}">${label}</a>`);
  switch (entry.target_type) {
    case 'integration':
      return linked(`/admin/integrations/${id}`, names.integrations.get(id));
    case 'task':
      return linked(`/admin/tasks/${id}`, names.tasks.get(id));
    case 'route':
      return linked(`/admin/routes/${id}/edit`, names.routes.get(id));
    case 'event':
      return linked(`/admin/events/${id}`, 'event');
    case 'user':
      return html`user ${names.users.get(id) ?? html`<code>${id}</code>`}`;
    case 'api_token':
      return html`token ${names.tokens.get(id) ?? html`<code>${id}</code>`}`;
    default:
      return html`${entry.target_type} <code>${id}</code>`;
  }
}

function detail(entry: ListedAuditEntry): Html {
  const value = typeof entry.detail === 'string' ? entry.detail : JSON.stringify(entry.detail ?? {});
  if (value === '{}' || value === 'null') return html`<span class="muted">—</span>`;
  return html`<code class="wrap">${value.length > DETAIL_CHARS ? `${value.slice(0, DETAIL_CHARS)}…` : value}</code>`;
}

function table(view: AuditView): Html {
  if (view.entries.length === 0) {
    return html`<p class="empty">${view.action ? 'No audit entries match this action.' : 'No audit entries yet. Sign-ins and every change made through this UI, the API or the CLI appear here.'}</p>`;
  }
  const rows = view.entries.map(
    (entry) => html`<tr data-audit-entry="${entry.id}">
  <td class="nowrap">${timeTag(entry.created_at_iso, { seconds: true })}</td>
  <td>${actor(entry, view.names)}</td>
  <td><code>${entry.action}</code></td>
  <td>${target(entry, view.names)}</td>
  <td>${detail(entry)}</td>
</tr>`,
  );
  return html`<div class="table-wrap" role="region" aria-label="Audit log table" tabindex="0"><table>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Detail</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

export function AuditPage(view: AuditView): Html {
  const last = view.entries.at(-1);
  return html`<p class="lead">Who changed what, newest first. The API serves the same log at <code>GET /api/audit</code>.</p>
${filterBar('/admin/audit', [{ name: 'action', label: 'Action', value: view.action, placeholder: 'e.g. integration.updated' }])}
<div class="card card--flush">${table(view)}</div>
${olderLink('/admin/audit', view.query, last && { at: last.created_at_iso, id: last.id }, view.entries.length === view.limit)}`;
}
