import { streamScheduleOn } from '../../core/scheduler/schedule.service.ts';
import { environmentTag, healthBadge } from '../components/badges.ts';
import { filterBar } from '../components/filter-bar.ts';
import { timeTag } from '../components/time.ts';
import type { IntegrationOverview } from '../data/integration-overview.ts';
import { html, type Html } from '../html.ts';

export interface IntegrationListView {
  /** `streams`: the names of the connector's streams (none for Slack). */
  items: Array<IntegrationOverview & { connectorName: string; streams: readonly string[] }>;
  connectors: Array<{ id: string; displayName: string }>;
  filter: { environment?: string | undefined; connector?: string | undefined };
  now: Date;
}

export function IntegrationListPage(view: IntegrationListView): Html {
  const rows = view.items.map(
    ({ row, health, displayed, connectorName, streams }) => html`<tr>
  <th scope="row"><a href="/admin/integrations/${row.id}">${row.name}</a></th>
  <td>${connectorName}</td>
  <td>${environmentTag(row.environment)}</td>
  <td>${healthBadge(displayed)}</td>
  <td>${!row.enabled ? 'Disabled' : row.paused_at ? 'Paused' : streams.some((stream) => streamScheduleOn(row, stream)) ? 'Scheduled' : 'Manual only'}</td>
  <td>${row.credentials_hint ?? (row.credentials_ciphertext ? 'Set' : html`<span class="muted">Not set</span>`)}</td>
  <td class="nowrap">${timeTag(health.lastSuccessAt, { now: view.now, empty: 'Never' })}</td>
</tr>`,
  );
  const table =
    view.items.length === 0
      ? html`<div class="card empty"><p>No integrations yet.</p><p><a href="/admin/catalog">Pick a connector from the catalog</a> to add one.</p></div>`
      : html`<div class="card card--flush"><div class="table-wrap"><table>
<thead><tr><th scope="col">Name</th><th scope="col">Connector</th><th scope="col">Environment</th><th scope="col">Health</th><th scope="col">Schedule</th><th scope="col">Credentials</th><th scope="col">Last success</th></tr></thead>
<tbody>${rows}</tbody></table></div></div>`;
  return html`${filterBar('/admin/integrations', [
    { name: 'connector', label: 'Connector', value: view.filter.connector, options: [['', 'All connectors'], ...view.connectors.map((c): [string, string] => [c.id, c.displayName])] },
    { name: 'environment', label: 'Environment', value: view.filter.environment, options: [['', 'All environments'], ['production', 'Production'], ['staging', 'Staging']] },
  ])}${table}`;
}
