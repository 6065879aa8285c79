import type { RunRow } from '../../core/db/database.types.ts';
import type { EventSummary } from '../../core/events/event.query.ts';
import { eventBadge, runBadge } from '../components/badges.ts';
import { FailureRunbookPanel, type FailureRunbookPanelProps } from '../components/failure-runbook-panel.ts';
import { isRunActive, progressBanner, progressText, runElapsedMs, shouldWatch } from '../components/run-progress.ts';
import { duration, timeTag } from '../components/time.ts';
import { html, nothing, type Html } from '../html.ts';

export interface RunDetailView {
  run: RunRow;
  integrationName: string | undefined;
  events: EventSummary[];
  runbookPanel: FailureRunbookPanelProps | undefined;
  now: Date;
}

function subject(run: RunRow): string {
  if (run.kind === 'poll') return `Poll of ${run.stream ?? 'every stream'}${run.mode ? ` (${run.mode})` : ''}`;
  if (run.kind === 'action') return `Action ${run.action ?? ''}`;
  if (run.kind === 'check') return 'Connection check';
  return `Webhook`;
}

export function runTitle(run: RunRow): string {
  return subject(run);
}

export function RunDetailPage(view: RunDetailView): Html {
  const run = view.run;
  const events = view.events.length
    ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Received</th><th scope="col">Type</th><th scope="col">External id</th><th scope="col">Status</th></tr></thead><tbody>${view.events.map(
        (event) => html`<tr><td class="nowrap"><a href="/admin/events/${event.id}">${timeTag(event.received_at, { now: view.now })}</a></td><td><code>${event.type}</code></td><td>${event.external_id ?? '—'}</td><td>${eventBadge(event.status)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="muted">This run recorded no events.</p>`;
  const active = isRunActive(run);
  const result = run.result !== null && run.result !== undefined ? html`<h3>Result</h3><pre><code>${JSON.stringify(run.result, null, 2)}</code></pre>` : nothing;
  return html`${active ? progressBanner(progressText(run, view.now), shouldWatch([run], view.now)) : nothing}<dl class="stats" aria-label="Counts">
  <div class="stat"><dt>Status</dt><dd>${runBadge(run.status)}</dd></div>
  <div class="stat"><dt>Records seen</dt><dd>${run.records_seen}</dd></div>
  <div class="stat"><dt>New</dt><dd>${run.records_new}</dd></div>
  <div class="stat"><dt>Changed</dt><dd>${run.records_changed}</dd></div>
  <div class="stat"><dt>Pages</dt><dd>${run.pages}</dd></div>
  <div class="stat"><dt>${active ? 'Elapsed' : 'Duration'}</dt><dd>${duration(runElapsedMs(run, view.now))}</dd></div>
</dl>
${view.runbookPanel ? FailureRunbookPanel(view.runbookPanel) : nothing}
<div class="grid grid--2">
  <section class="card" aria-labelledby="run-props"><h2 id="run-props">Run</h2>
    <dl class="props">
      <dt>Integration</dt><dd>${view.integrationName ? html`<a href="/admin/integrations/${run.integration_id}">${view.integrationName}</a>` : 'deleted'}</dd>
      <dt>What</dt><dd>${subject(run)}</dd>
      <dt>Trigger</dt><dd>${run.trigger}${run.requested_by ? ` by ${run.requested_by}` : ''}</dd>
      <dt>Attempts</dt><dd>${run.attempts}</dd>
      <dt>Error code</dt><dd>${run.error_code ? html`<code>${run.error_code}</code>` : html`<span class="muted">None</span>`}</dd>
      ${run.error_message ? html`<dt>Error</dt><dd>${run.error_message}</dd>` : nothing}
      <dt>Idempotency key</dt><dd><code>${run.idempotency_key}</code></dd>
      ${run.payload_hash ? html`<dt>Payload hash</dt><dd><code>${run.payload_hash.slice(0, 16)}…</code></dd>` : nothing}
      <dt>Run id</dt><dd><code>${run.id}</code></dd>
    </dl>
  </section>
  <section class="card" aria-labelledby="run-times"><h2 id="run-times">Timings</h2>
    <dl class="props">
      <dt>Queued</dt><dd>${timeTag(run.queued_at, { seconds: true })}</dd>
      <dt>Started</dt><dd>${timeTag(run.started_at, { seconds: true, empty: 'Not started' })}</dd>
      <dt>Finished</dt><dd>${timeTag(run.finished_at, { seconds: true, empty: 'Not finished' })}</dd>
      <dt>Latency</dt><dd>${duration(run.latency_ms)}</dd>
      ${run.next_attempt_at ? html`<dt>Next attempt</dt><dd>${timeTag(run.next_attempt_at, { now: view.now })}</dd>` : nothing}
      ${run.heartbeat_at ? html`<dt>Heartbeat</dt><dd>${timeTag(run.heartbeat_at, { now: view.now })}</dd>` : nothing}
    </dl>
    ${result}
  </section>
</div>
<section class="card" aria-labelledby="run-events"><div class="card__head"><h2 id="run-events">Events</h2><a href="/admin/events?runId=${run.id}">All events of this run</a></div>${events}</section>`;
}
