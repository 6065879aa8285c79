import { html, nothing, type Html } from '../html.ts';
import type { IntegrationOverview } from '../data/integration-overview.ts';
import { breakerBadge, environmentTag, healthBadge } from './badges.ts';
import { credentialExpiry } from './credential-expiry.ts';
import { sparkline, type HourlyPoint } from './sparkline.ts';
import { duration, timeTag } from './time.ts';

export interface SyncStatusRow extends IntegrationOverview {
  connectorName: string;
  hourly: HourlyPoint[];
}

function percent(rate: number | null): Html {
  if (rate === null) return html`<span class="muted">—</span>`;
  const value = Math.round(rate * 1000) / 10;
  return html`${value}%`;
}

function failures(row: SyncStatusRow): Html {
  const id = row.row.id;
  const parts: Html[] = [];
  if (row.health.openTasks > 0) {
    // Health counts acknowledged tasks as open too; the task list's default tab (open only) would hide them.
    parts.push(html`<a href="/admin/tasks?status=unresolved&amp;integrationId=${id}">${row.health.openTasks} open task${row.health.openTasks === 1 ? '' : 's'}</a>`);
  }
  if (row.health.lastFailureAt) parts.push(html`<a href="/admin/runs?integrationId=${id}&amp;status=failed">Failed runs</a>`);
  if (parts.length === 0) return html`<span class="muted">None</span>`;
  return html`${parts.map((part, i) => html`${i > 0 ? html`<br>` : nothing}${part}`)}`;
}

/** One row per integration: the health an operator scans first thing in the morning. */
export function SyncStatusTable(rows: readonly SyncStatusRow[], now: Date): Html {
  if (rows.length === 0) {
    return html`<div class="card empty"><p>No integrations match.</p><p><a href="/admin/catalog">Add one from the catalog</a>.</p></div>`;
  }
  const body = rows.map(
    (row) => html`<tr data-integration="${row.row.id}">
  <th scope="row"><a href="/admin/integrations/${row.row.id}">${row.row.name}</a><span class="sub">${row.connectorName} ${environmentTag(row.row.environment)}</span></th>
  <td>${healthBadge(row.displayed)}</td>
  <td class="nowrap">${timeTag(row.health.lastSuccessAt, { now, empty: 'Never' })}</td>
  <td class="num">${percent(row.health.successRate24h)}</td>
  <td class="num">${duration(row.health.p95LatencyMs)}</td>
  <td class="num">${row.health.backlog}</td>
  <td>${breakerBadge(row.health.breaker)}</td>
  <td class="nowrap">${credentialExpiry(row.row.credentials_expires_at, now, { empty: 'No expiry' })}</td>
  <td>${sparkline(row.hourly, now)}</td>
  <td>${failures(row)}</td>
</tr>`,
  );
  return html`<div class="card card--flush"><div class="table-wrap" role="region" aria-label="Integration health table" tabindex="0"><table class="sync-status">
<caption class="visually-hidden">Integration health</caption>
<thead><tr>
  <th scope="col">Integration</th><th scope="col">Status</th><th scope="col">Last success</th><th scope="col" class="num">Success 24 h</th>
  <th scope="col" class="num">p95</th><th scope="col" class="num">Backlog</th><th scope="col">Breaker</th><th scope="col">Credentials</th>
  <th scope="col">Last 24 h</th><th scope="col">Failures</th>
</tr></thead>
<tbody>${body}</tbody>
</table></div></div>`;
}
