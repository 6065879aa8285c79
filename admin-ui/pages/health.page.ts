import { healthBadge } from '../components/badges.ts';
import { filterBar } from '../components/filter-bar.ts';
import { SyncStatusTable, type SyncStatusRow } from '../components/sync-status-table.ts';
import { html, type Html } from '../html.ts';

export interface HealthView {
  rows: SyncStatusRow[];
  /** Counts over the integrations in the environment filtered on, before the status filter. */
  counts: Record<'healthy' | 'degraded' | 'failing' | 'paused', number>;
  /** Open tasks of the integrations in the environment filtered on (all when none). */
  openTasks: number;
  filter: { environment?: string | undefined; status?: string | undefined };
  now: Date;
}

export function IntegrationHealthPage(view: HealthView): Html {
  const stat = (label: Html | string, value: number, href: string) =>
    html`<div class="stat"><dt>${label}</dt><dd><a href="${href}">${value}</a></dd></div>`;
  // The figures count within the environment filtered on, and their links keep it.
  const inEnvironment = view.filter.environment ? `&environment=${view.filter.environment}` : '';
  return html`<dl class="stats" aria-label="Summary">
  ${stat(healthBadge('healthy'), view.counts.healthy, `/admin/health?status=healthy${inEnvironment}`)}
  ${stat(healthBadge('degraded'), view.counts.degraded, `/admin/health?status=degraded${inEnvironment}`)}
  ${stat(healthBadge('failing'), view.counts.failing, `/admin/health?status=failing${inEnvironment}`)}
  ${stat(healthBadge('paused'), view.counts.paused, `/admin/health?status=paused${inEnvironment}`)}
  ${stat('Open tasks', view.openTasks, `/admin/tasks?status=unresolved${inEnvironment}`)}
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
<p class="hint">Success rate and p95 latency cover the last 24 hours; backlog is the work waiting now. The bars show runs per hour (failed runs in red), updated every five minutes.</p>`;
}
