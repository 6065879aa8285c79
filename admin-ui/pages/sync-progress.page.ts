import type { RunRow } from '../../core/db/database.types.ts';
import { runBadge } from '../components/badges.ts';
import { isRunActive, progressBanner, runElapsedMs, shouldWatch } from '../components/run-progress.ts';
import { duration } from '../components/time.ts';
import { html, type Html } from '../html.ts';

export interface SyncProgressView {
  integrationId: string;
  runs: ReadonlyArray<Omit<RunRow, 'input'>>;
  now: Date;
}

function summary(runs: SyncProgressView['runs'], now: Date): Html {
  const active = runs.filter(isRunActive);
  if (active.length > 0) {
    const running = active.filter((run) => run.status === 'running').length;
    const pages = runs.reduce((sum, run) => sum + run.pages, 0);
    const seen = runs.reduce((sum, run) => sum + run.records_seen, 0);
    const text = `${runs.length - active.length} of ${runs.length} streams finished, ${running} running, ${active.length - running} queued: ${pages} page${pages === 1 ? '' : 's'} and ${seen} record${seen === 1 ? '' : 's'} read so far.`;
    return progressBanner(text, shouldWatch(runs, now), 'every stream has finished');
  }
  const failed = runs.filter((run) => run.status !== 'succeeded').length;
  const text = failed === 0 ? `All ${runs.length} streams synced.` : `Finished: ${runs.length - failed} of ${runs.length} streams synced, ${failed} did not (see their runs).`;
  return html`<div class="notice notice--${failed === 0 ? 'success' : 'warning'}" role="status">${text}</div>`;
}

/** The runs one "Run now" made, one per stream, followed while they are queued or running. */
export function SyncProgressPage(view: SyncProgressView): Html {
  const rows = view.runs.map(
    (run) => html`<tr>
  <th scope="row"><a href="/admin/runs/${run.id}">${run.stream ?? 'every stream'}</a>${run.mode === 'full' ? html`<span class="sub">full</span>` : ''}</th>
  <td>${runBadge(run.status)}</td>
  <td class="num">${run.pages}</td>
  <td class="num">${run.records_seen}<span class="sub">${run.records_new} new, ${run.records_changed} changed</span></td>
  <td class="num">${duration(runElapsedMs(run, view.now))}</td>
  <td>${run.error_code ? html`<a href="/admin/runs/${run.id}"><code>${run.error_code}</code></a>` : html`<span class="muted">—</span>`}</td>
</tr>`,
  );
  return html`${summary(view.runs, view.now)}
<section class="card card--flush" aria-labelledby="sync-runs-title"><div class="card__head"><h2 id="sync-runs-title">Runs of this sync</h2><a href="/admin/runs?integrationId=${view.integrationId}">All runs of this integration</a></div>
<div class="table-wrap" role="region" aria-label="Runs of this sync" tabindex="0"><table>
<thead><tr><th scope="col">Stream</th><th scope="col">Status</th><th scope="col" class="num">Pages</th><th scope="col" class="num">Records seen</th><th scope="col" class="num">Elapsed</th><th scope="col">Error</th></tr></thead>
<tbody>${rows}</tbody></table></div></section>`;
}
