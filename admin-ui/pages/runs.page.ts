import { filterBar } from '../components/filter-bar.ts';
import { olderLink } from '../components/pager.ts';
import { runsTable } from '../components/runs-table.ts';
import { RUN_KINDS, RUN_STATUSES, type RunFilter, type RunSummary } from '../../core/runs/run.query.ts';
import { html, type Html } from '../html.ts';

export interface RunsView {
  runs: RunSummary[];
  names: Map<string, string>;
  filter: RunFilter;
  query: Record<string, string | undefined>;
  now: Date;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function lastOf(runs: RunSummary[]): { at: string; id: string } | undefined {
  const last = runs.at(-1);
  return last && { at: last.queued_at_iso, id: last.id };
}

export function RunsPage(view: RunsView): Html {
  return html`${filterBar('/admin/runs', [
    { name: 'integrationId', label: 'Integration', value: view.filter.integrationId, options: [['', 'All integrations'], ...[...view.names].map(([id, name]): [string, string] => [id, name])] },
    { name: 'status', label: 'Status', value: view.filter.status, options: [['', 'Any status'], ...RUN_STATUSES.map((s): [string, string] => [s, cap(s)])] },
    { name: 'kind', label: 'Kind', value: view.filter.kind, options: [['', 'Any kind'], ...RUN_KINDS.map((k): [string, string] => [k, cap(k)])] },
    { name: 'stream', label: 'Stream', value: view.filter.stream, placeholder: 'e.g. incident' },
    { name: 'errorCode', label: 'Error code', value: view.filter.errorCode, placeholder: 'e.g. auth_invalid' },
  ])}
<div class="card card--flush">${runsTable(view.runs, { now: view.now, integrationNames: view.names, empty: 'No runs match these filters.' })}</div>
${olderLink('/admin/runs', view.query, lastOf(view.runs), view.runs.length === view.filter.limit)}`;
}
