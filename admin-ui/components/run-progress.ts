import type { RunRow } from '../../core/db/database.types.ts';
import { html, type Html } from '../html.ts';
import { duration } from './time.ts';

// A run in progress, as the run page and a sync's progress page show it while they reload
// themselves. The counts come from the run's row, which each committed page adds to.

type RunProgressFields = Pick<RunRow, 'status' | 'queued_at' | 'started_at' | 'finished_at' | 'latency_ms' | 'pages' | 'records_seen'>;

export const PROGRESS_REFRESH_SECONDS = 2;

/**
 * How long a queued run is watched before its page stops reloading: a run of a paused integration
 * can wait for days, and a page reloading all that time would keep its session from ever going idle.
 */
export const QUEUED_WATCH_MS = 15 * 60_000;

export function isRunActive(run: Pick<RunRow, 'status'>): boolean {
  return run.status === 'queued' || run.status === 'running';
}

/** Time spent so far: waiting while queued, working while running, the recorded latency once done. */
export function runElapsedMs(run: RunProgressFields, now: Date): number | null {
  if (run.status === 'queued') return Math.max(0, now.getTime() - new Date(run.queued_at).getTime());
  if (run.status === 'running') return run.started_at ? Math.max(0, now.getTime() - new Date(run.started_at).getTime()) : null;
  if (run.latency_ms !== null) return run.latency_ms;
  return run.started_at && run.finished_at ? new Date(run.finished_at).getTime() - new Date(run.started_at).getTime() : null;
}

/** Whether a page showing these runs should reload itself to follow them. */
export function shouldWatch(runs: readonly RunProgressFields[], now: Date): boolean {
  return runs.some((run) => run.status === 'running' || (run.status === 'queued' && (runElapsedMs(run, now) ?? 0) < QUEUED_WATCH_MS));
}

/** One line on where the run is, for runs still queued or running. */
export function progressText(run: RunProgressFields, now: Date): string {
  const elapsed = duration(runElapsedMs(run, now));
  if (run.status === 'queued') return `Queued for ${elapsed}, waiting for a worker.`;
  const pages = `${run.pages} page${run.pages === 1 ? '' : 's'}`;
  return `Running for ${elapsed}: ${pages} and ${run.records_seen} record${run.records_seen === 1 ? '' : 's'} read so far.`;
}

/** The banner over work in progress: where it is, and whether the page follows it by itself. */
export function progressBanner(text: string, watching: boolean, until = 'it finishes'): Html {
  const follow = watching
    ? `This page refreshes every ${PROGRESS_REFRESH_SECONDS} seconds until ${until}.`
    : 'It has waited a long time (is the integration paused, or are the workers busy?): this page no longer refreshes by itself; reload to check again.';
  return html`<div class="progress" role="status"><span class="progress__bar" aria-hidden="true"></span><p><strong>${text}</strong> ${follow}</p></div>`;
}
