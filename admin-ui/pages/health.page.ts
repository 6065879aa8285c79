import { healthBadge } from '../components/badges.ts';
import { filterBar } from '../components/filter-bar.ts';
import { SyncStatusTable, type SyncStatusRow } from '../components/sync-status-table.ts';
import { html, type Html } from '../html.ts';

export interface HealthView {
  rows: SyncStatusRow[];
  /** Counts over every integration, before the status filter. */
  counts: Record<'healthy' | 'degraded' | 'failing' | 'paused', number>;
  openTasks: number;
  filter: { environment?: string | undefined; status?: string | undefined };
  now: Date;
}

export function IntegrationHealthPage(view: HealthView): Html {
  const stat = (label: Html | string, value: number, href: string) =>
    html`<div class="stat"><dt>${label}</dt><dd><a href="${href}">${value}</a></dd></div>`;
  return html`<dl class="stats" aria-label="Summary">
  ${stat(healthBadge('healthy'), view.counts.healthy, '/admin/health?status=healthy')}
  ${stat(healthBadge('degraded'), view.counts.degraded, '/admin/health?status=degraded')}
  ${stat(healthBadge('failing'), view.counts.failing, '/admin/health?status=failing')}
  ${stat(healthBadge('paused'), view.counts.paused, '/admin/health?status=paused')}
  ${stat('Open tasks', view.openTasks, '/admin/tasks?status=open')}
</dl>
${filterBar('/admin/health', [
  { name: 'environment', label: 'Environment', value: view.filter.environment, options: [['', 'All environments'], ['production', 'Production'], ['staging', 'Staging']] },
  {
    name: 'status',
    label: 'Status',
    value: view.filter.status,
    options: [['', 'Any status'], ['healthy', 'Healthy'], ['degraded', 'Degraded'], ['failing', 'Failing'], ['paused', 'Paused']],
  },
])}
${SyncStatusTable(view.rows, view.now)}
<p class="hint">Success rate, p95 latency and backlog cover the last 24 hours. The bars show runs per hour (failed runs in red), updated every five minutes.</p>`;
}
