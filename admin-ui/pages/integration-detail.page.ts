import type { IntegrationConfigRow, RunRow, TaskRow } from '../../core/db/database.types.ts';
import { streamScheduleOn } from '../../core/scheduler/schedule.service.ts';
import type { ConnectorInfo } from '../../schemas/api/connector.schema.ts';
import type { IntegrationHealth } from '../../schemas/api/integration.schema.ts';
import { breakerBadge, environmentTag, healthBadge, severityBadge, taskBadge, type DisplayedHealth } from '../components/badges.ts';
import { configSummary, scheduleSummary } from '../components/config-summary.ts';
import { credentialExpiry } from '../components/credential-expiry.ts';
import { actionButton, csrfField } from '../components/csrf-field.ts';
import { IntegrationConfigForm, type IntegrationConfigFormProps } from '../components/integration-config-form.ts';
import type { JsonSchema } from '../components/json-schema.ts';
import { runsTable } from '../components/runs-table.ts';
import { duration, timeTag } from '../components/time.ts';
import { html, nothing, when, type Html } from '../html.ts';

export interface IntegrationDetailView {
  row: IntegrationConfigRow;
  /** Undefined when this process does not offer the integration's connector (a rolling upgrade). */
  connector: ConnectorInfo | undefined;
  health: IntegrationHealth;
  displayed: DisplayedHealth;
  webhookUrl: string | null;
  recentRuns: RunRow[];
  openTasks: TaskRow[];
  csrf: string;
  can: { operate: boolean; configure: boolean };
  /** The configuration form, for admins; re-rendered with errors after a failed save. */
  form?: IntegrationConfigFormProps;
  now: Date;
}

export function integrationActions(view: IntegrationDetailView): Html {
  const id = view.row.id;
  const paused = view.row.paused_at !== null;
  return html`<div class="actions">
  ${when(view.can.operate && view.connector !== undefined, () => actionButton({ action: `/admin/integrations/${id}/check`, label: 'Check connection', csrf: view.csrf, variant: 'primary' }))}
  ${when(view.can.operate, () =>
    paused
      ? actionButton({ action: `/admin/integrations/${id}/resume`, label: 'Resume', csrf: view.csrf })
      : actionButton({ action: `/admin/integrations/${id}/pause`, label: 'Pause', csrf: view.csrf }),
  )}
  <a class="button" href="/admin/integrations/${id}/credentials">Credentials</a>
</div>`;
}

function stats(view: IntegrationDetailView): Html {
  const h = view.health;
  return html`<dl class="stats" aria-label="Health">
  <div class="stat"><dt>Status</dt><dd>${healthBadge(view.displayed)}</dd></div>
  <div class="stat"><dt>Last success</dt><dd>${timeTag(h.lastSuccessAt, { now: view.now, empty: 'Never' })}</dd></div>
  <div class="stat"><dt>Success 24 h</dt><dd>${h.successRate24h === null ? '—' : `${Math.round(h.successRate24h * 1000) / 10}%`}</dd></div>
  <div class="stat"><dt>p95 latency</dt><dd>${duration(h.p95LatencyMs)}</dd></div>
  <div class="stat"><dt>Backlog</dt><dd>${h.backlog}</dd></div>
  <div class="stat"><dt>Breaker</dt><dd>${breakerBadge(h.breaker)}</dd></div>
</dl>`;
}

/** Only for connectors with streams: one without (Slack) has nothing to poll, and the API answers 409. */
function syncForm(view: IntegrationDetailView): Html {
  const streams = streamsOf(view).map((s) => html`<option value="${s.name}">${s.name}</option>`);
  return html`<section class="card" aria-labelledby="sync-title">
  <h2 id="sync-title">Run a sync</h2>
  <form method="post" action="/admin/integrations/${view.row.id}/sync" class="form">
    ${csrfField(view.csrf)}
    <div class="field"><label for="sync-stream">Stream</label><select id="sync-stream" name="stream"><option value="">All streams</option>${streams}</select></div>
    <div class="field"><label for="sync-mode">Mode</label><select id="sync-mode" name="mode" aria-describedby="sync-mode-hint"><option value="incremental">Incremental</option><option value="full">Full</option></select>
    <p class="hint" id="sync-mode-hint">Incremental reads the changes since the last sync; full reads everything again. Both are deduplicated: unchanged records create no events.</p></div>
    <div class="form-actions"><button type="submit" class="button button--primary">Run now</button></div>
  </form>
</section>`;
}

function details(view: IntegrationDetailView): Html {
  const row = view.row;
  const streams = streamsOf(view).map((stream) => stream.name);
  const scheduled = streams.filter((name) => streamScheduleOn(row, name)).length;
  const schedule = !row.enabled
    ? 'Disabled'
    : row.paused_at
      ? html`Paused ${timeTag(row.paused_at, { now: view.now })}`
      : scheduled === 0
        ? 'Manual runs only (every stream is off)'
        : `Scheduled: ${scheduled} of ${streams.length} streams`;
  return html`<section class="card" aria-labelledby="details-title">
  <h2 id="details-title">Details</h2>
  <dl class="props">
    <dt>Connector</dt><dd>${view.connector?.displayName ?? html`<code>${row.connector}</code> <span class="badge badge--warn">Not offered by this version</span>`}</dd>
    <dt>Environment</dt><dd>${environmentTag(row.environment)}</dd>
    <dt>Polling</dt><dd>${schedule}</dd>
    <dt>Credentials</dt><dd>${row.credentials_ciphertext ? (row.credentials_hint ?? 'Set') : html`<span class="badge badge--warn">Not set</span>`} ${credentialExpiry(row.credentials_expires_at, view.now)}</dd>
    ${view.webhookUrl ? html`<dt>Webhook URL</dt><dd><code>${view.webhookUrl}</code></dd>` : nothing}
    <dt>Created</dt><dd>${timeTag(row.created_at)}</dd>
    <dt>Updated</dt><dd>${timeTag(row.updated_at, { now: view.now })}</dd>
    <dt>ID</dt><dd><code>${row.id}</code></dd>
  </dl>
</section>`;
}

function tasks(view: IntegrationDetailView): Html {
  if (view.openTasks.length === 0) return html`<section class="card" aria-labelledby="tasks-title"><h2 id="tasks-title">Open tasks</h2><p class="muted">None. All clear.</p></section>`;
  return html`<section class="card" aria-labelledby="tasks-title"><div class="card__head"><h2 id="tasks-title">Open tasks</h2><a href="/admin/tasks?status=unresolved&amp;integrationId=${view.row.id}">All open tasks of this integration</a></div>
<ul class="timeline">${view.openTasks.map(
    (task) => html`<li><a href="/admin/tasks/${task.id}">TASK-${task.number}</a> ${taskBadge(task.status)} ${severityBadge(task.severity)}<br>${task.title}<span class="sub muted">${task.occurrences} occurrence${task.occurrences === 1 ? '' : 's'} · opened ${timeTag(task.opened_at, { now: view.now })}</span></li>`,
  )}</ul></section>`;
}

function configuration(view: IntegrationDetailView): Html {
  if (!view.connector) {
    return html`<section class="card" aria-labelledby="config-title"><h2 id="config-title">Configuration</h2>
<p>This hub process's version does not offer the <code>${view.row.connector}</code> connector, so it cannot show, check or sync this integration's configuration. A process of the version that added the connector can; during a rolling upgrade, reload once it serves this page.</p></section>`;
  }
  if (view.form) return html`<section class="card" aria-labelledby="config-title"><div class="card__head"><h2 id="config-title">Configuration</h2></div>${IntegrationConfigForm(view.form)}</section>`;
  return html`<section class="card" aria-labelledby="config-title"><div class="card__head"><h2 id="config-title">Configuration</h2><span class="muted">Only admins can change it.</span></div>
${configSummary(view.connector.configSchema as JsonSchema, view.row.config)}
<h3>Schedule</h3>${scheduleSummary(view.connector.streams, view.row.schedules)}</section>`;
}

function streamsOf(view: IntegrationDetailView): ConnectorInfo['streams'] {
  return view.connector?.streams ?? [];
}

function dangerZone(view: IntegrationDetailView): Html {
  return html`<section class="card card--danger" aria-labelledby="danger-title">
  <h2 id="danger-title">Delete integration</h2>
  <p>Deletes the integration with its schedules, runs, events and stored credentials, and every route that takes events from it or acts on it (see Routes). This cannot be undone.</p>
  <form method="post" action="/admin/integrations/${view.row.id}/delete" class="form">
    ${csrfField(view.csrf)}
    <div class="field field--checkbox"><input type="checkbox" id="confirm-delete" name="confirm" value="yes" required><label for="confirm-delete">I understand that ${view.row.name} and its history will be deleted</label></div>
    <div class="form-actions"><button type="submit" class="button button--danger">Delete integration</button></div>
  </form>
</section>`;
}

export function IntegrationDetailPage(view: IntegrationDetailView): Html {
  return html`${stats(view)}
<div class="grid grid--sidebar">
  <div>
    <section class="card" aria-labelledby="runs-title">
      <div class="card__head"><h2 id="runs-title">Recent runs</h2><a href="/admin/runs?integrationId=${view.row.id}">All runs of this integration</a></div>
      ${runsTable(view.recentRuns, { now: view.now, empty: 'No runs yet. Run a check or a sync to see one here.' })}
    </section>
    ${tasks(view)}
  </div>
  <div>
    ${when(view.can.operate && streamsOf(view).length > 0, () => syncForm(view))}
    ${details(view)}
  </div>
</div>
${configuration(view)}
${when(view.can.configure, () => dangerZone(view))}`;
}
