import type { EventRow } from '../../core/db/database.types.ts';
import { eventBadge } from '../components/badges.ts';
import { csrfField } from '../components/csrf-field.ts';
import { filterBar } from '../components/filter-bar.ts';
import { olderLink } from '../components/pager.ts';
import { timeTag } from '../components/time.ts';
import { EVENT_SOURCES, EVENT_STATUSES, type EventFilter, type EventSummary } from '../../core/events/event.query.ts';
import { isInteractionEvent } from '../../core/events/interaction-event.ts';
import { html, nothing, type Html } from '../html.ts';

export interface EventsView {
  events: EventSummary[];
  names: Map<string, string>;
  filter: EventFilter;
  query: Record<string, string | undefined>;
  now: Date;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function lastOf(events: EventSummary[]): { at: string; id: string } | undefined {
  const last = events.at(-1);
  return last && { at: last.received_at_iso, id: last.id };
}

export function EventsPage(view: EventsView): Html {
  const rows = view.events.map(
    (event) => html`<tr>
  <td class="nowrap"><a href="/admin/events/${event.id}">${timeTag(event.received_at, { now: view.now })}</a></td>
  <td><a href="/admin/integrations/${event.integration_id}">${view.names.get(event.integration_id) ?? 'deleted'}</a></td>
  <td><code>${event.type}</code></td>
  <td>${event.external_id ?? html`<span class="muted">—</span>`}</td>
  <td>${event.source}</td>
  <td>${eventBadge(event.status)}</td>
  <td>${event.run_id ? html`<a href="/admin/runs/${event.run_id}">Run</a>` : nothing}</td>
</tr>`,
  );
  const table =
    view.events.length === 0
      ? html`<p class="empty">No events match these filters.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Received</th><th scope="col">Integration</th><th scope="col">Type</th><th scope="col">External id</th><th scope="col">Source</th><th scope="col">Status</th><th scope="col">Run</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  return html`${filterBar('/admin/events', [
    { name: 'integrationId', label: 'Integration', value: view.filter.integrationId, options: [['', 'All integrations'], ...[...view.names].map(([id, name]): [string, string] => [id, name])] },
    { name: 'type', label: 'Type', value: view.filter.type, placeholder: 'incident.* or failure.*' },
    { name: 'status', label: 'Status', value: view.filter.status, options: [['', 'Any status'], ...EVENT_STATUSES.map((s): [string, string] => [s, cap(s)])] },
    { name: 'source', label: 'Source', value: view.filter.source, options: [['', 'Any source'], ...EVENT_SOURCES.map((s): [string, string] => [s, cap(s)])] },
  ], 'Filters', { runId: view.filter.runId })}
${view.filter.runId ? html`<p class="notice notice--info">Showing the events of one run. <a href="/admin/events">Show all events</a>.</p>` : nothing}
<div class="card card--flush">${table}</div>
${olderLink('/admin/events', view.query, lastOf(view.events), view.events.length === view.filter.limit)}`;
}

/** `csrf` is given to operators and admins, who may route the event again. */
export function EventDetailPage(event: EventRow, integrationName: string | undefined, now: Date, csrf?: string): Html {
  const replay = isInteractionEvent(event)
    ? html`<p class="hint">A chat interaction (a command or a button press): the hub answered it when it arrived. Interactions are not routed, so it cannot be replayed.</p>`
    : csrf
    ? html`<form method="post" action="/admin/events/${event.id}/replay" class="form action-bar">
  ${csrfField(csrf)}
  <p class="hint">Routes the event again: route actions that already succeeded for it are not repeated, failed ones run again.</p>
  <div class="form-actions"><button type="submit" class="button">Replay event</button></div>
</form>`
    : nothing;
  return html`${replay}<div class="grid grid--sidebar">
  <section class="card" aria-labelledby="payload-title"><h2 id="payload-title">Payload</h2><pre><code>${JSON.stringify(event.payload, null, 2)}</code></pre></section>
  <section class="card" aria-labelledby="event-props"><h2 id="event-props">Event</h2>
    <dl class="props">
      <dt>Type</dt><dd><code>${event.type}</code></dd>
      <dt>Status</dt><dd>${eventBadge(event.status)}</dd>
      <dt>Integration</dt><dd>${integrationName ? html`<a href="/admin/integrations/${event.integration_id}">${integrationName}</a>` : 'deleted'}</dd>
      <dt>Source</dt><dd>${event.source}${event.stream ? ` · ${event.stream}` : ''}</dd>
      <dt>External id</dt><dd>${event.external_id ?? '—'}</dd>
      <dt>Received</dt><dd>${timeTag(event.received_at, { seconds: true })}</dd>
      <dt>Processed</dt><dd>${timeTag(event.processed_at, { now, empty: 'Not yet' })}</dd>
      <dt>Attempts</dt><dd>${event.attempts}</dd>
      ${event.error ? html`<dt>Error</dt><dd>${event.error}</dd>` : nothing}
      ${event.run_id ? html`<dt>Run</dt><dd><a href="/admin/runs/${event.run_id}">${event.run_id}</a></dd>` : nothing}
      <dt>Dedupe key</dt><dd><code>${event.dedupe_key}</code></dd>
    </dl>
  </section>
</div>`;
}
