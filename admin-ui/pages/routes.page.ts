import type { RouteRow } from '../../core/db/database.types.ts';
import type { FieldError } from '../../core/http/api-error.ts';
import type { RouteFilter } from '../../core/routes/route.filter.ts';
import { csrfField } from '../components/csrf-field.ts';
import { errorSummary } from '../components/error-summary.ts';
import { formFields, textControl } from '../components/form-field.ts';
import type { RouteFormValues } from '../forms/route-form.ts';
import { html, nothing, type Html } from '../html.ts';

/** An integration as the route form offers it: a source, a target and the actions it has. */
export interface RouteIntegration {
  id: string;
  name: string;
  connector: string;
  actions: string[];
}

export function filterSummary(filter: RouteFilter, names: ReadonlyMap<string, string>): Html {
  const parts: Html[] = [];
  if (filter.sourceIntegrationId) parts.push(html`from ${names.get(filter.sourceIntegrationId) ?? 'a deleted integration'}`);
  if (filter.connector) parts.push(html`connector <code>${filter.connector}</code>`);
  if (filter.eventType) parts.push(html`type <code>${filter.eventType}</code>`);
  for (const [path, value] of Object.entries(filter.fields ?? {})) parts.push(html`<code>${path}</code> = <code>${JSON.stringify(value)}</code>`);
  if (parts.length === 0) return html`<span class="muted">every event</span>`;
  return html`${parts.map((part, index) => (index === 0 ? part : html` · ${part}`))}`;
}

export interface RoutesView {
  routes: RouteRow[];
  names: ReadonlyMap<string, string>;
  /** Given to admins, who may change routes. */
  csrf: string | undefined;
}

export function RoutesPage(view: RoutesView, form: Html = nothing): Html {
  const rows = view.routes.map(
    (route) => html`<tr>
  <th scope="row">${route.name}</th>
  <td>${filterSummary(route.filter as RouteFilter, view.names)}</td>
  <td><a href="/admin/integrations/${route.target_integration_id}">${view.names.get(route.target_integration_id) ?? 'deleted'}</a></td>
  <td><code>${route.action}</code></td>
  <td>${route.enabled ? 'Yes' : html`<span class="muted">No</span>`}</td>
  ${view.csrf
    ? html`<td class="nowrap"><div class="actions"><a class="button button--secondary" href="/admin/routes/${route.id}/edit" aria-label="Edit ${route.name}">Edit</a></div></td>`
    : nothing}
</tr>`,
  );
  const table =
    view.routes.length === 0
      ? html`<p class="empty">No routes yet. A route runs an action of one integration when another's events match its filter.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Filter</th><th scope="col">Target</th><th scope="col">Action</th><th scope="col">Enabled</th>${
          view.csrf ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : nothing
        }</tr></thead><tbody>${rows}</tbody></table></div>`;
  return html`<div class="card card--flush">${table}</div>${form}`;
}

export interface RouteFormProps {
  mode: 'create' | 'edit';
  action: string;
  csrf: string;
  values: RouteFormValues;
  errors: readonly FieldError[];
  integrations: RouteIntegration[];
  cancelHref?: string;
  /** Edit only: the route's `updated_at` the form was filled from, so a save cannot undo a newer change. */
  version?: string | undefined;
}

export function RouteForm(props: RouteFormProps): Html {
  const { field, rendered } = formFields(props.errors);
  const text = (name: string, value: string, extra: Html = nothing) => textControl(name, value, extra);
  const textarea = (name: string, value: string, placeholder: string) => (id: string, describedBy: string, invalid: Html) =>
    html`<textarea id="${id}" name="${name}" rows="4" class="input input--code" placeholder="${placeholder}"${describedBy ? html` aria-describedby="${describedBy}"` : nothing}${invalid}>
${value}</textarea>`;
  // A stored integration that is no longer listed (deleted) stays chosen: otherwise the next save
  // would send "Any integration" instead, widening the filter without a word.
  const select = (name: string, value: string, empty: string) => (id: string, describedBy: string, invalid: Html) =>
    html`<select id="${id}" name="${name}"${describedBy ? html` aria-describedby="${describedBy}"` : nothing}${invalid}><option value="">${empty}</option>${props.integrations.map(
      (integration) => html`<option value="${integration.id}"${integration.id === value ? html` selected` : nothing}>${integration.name} (${integration.connector})</option>`,
    )}${value !== '' && !props.integrations.some((integration) => integration.id === value) ? html`<option value="${value}" selected>a deleted integration (${value})</option>` : nothing}</select>`;
  const v = props.values;
  const actionHint = html`The action of the target integration to run. Available: ${
    props.integrations.length === 0
      ? 'add an integration first.'
      : props.integrations.map((integration, index) => html`${index === 0 ? nothing : html`; `}${integration.name}: ${
          integration.actions.length === 0 ? html`<span class="muted">none</span>` : integration.actions.map((action, i) => html`${i === 0 ? nothing : ', '}<code>${action}</code>`)
        }`)
  }`;

  const fields = html`${field('name', 'Name', text('name', v.name, html` required maxlength="100"`))}
<fieldset class="fieldset"><legend>Which events</legend>
  ${field('filter.sourceIntegrationId', 'Source integration', select('sourceIntegrationId', v.sourceIntegrationId, 'Any integration'), { optional: true })}
  ${field('filter.connector', 'Connector', text('connector', v.connector), { optional: true, hint: 'Only events from integrations of this connector, e.g. servicenow.' })}
  ${field('filter.eventType', 'Event type', text('eventType', v.eventType), { optional: true, hint: html`An exact type (<code>incident.created</code>) or a prefix ending in <code>*</code> (<code>failure.*</code>).` })}
  ${field('filter.fields', 'Field filters (JSON)', textarea('fields', v.fields, '{"priority":"1"}'), { optional: true, hint: 'Dotted paths into the event payload and the values they must equal.' })}
</fieldset>
<fieldset class="fieldset"><legend>What to do</legend>
  ${field('targetIntegrationId', 'Target integration', select('targetIntegrationId', v.targetIntegrationId, 'Choose an integration'))}
  ${field('action', 'Action', text('action', v.action), { hint: actionHint })}
  ${field('inputTemplate', 'Input template (JSON)', textarea('inputTemplate', v.inputTemplate, '{"title":"{{event.type}} on {{integration.name}}"}'), {
    optional: true,
    hint: html`The action's input; <code>{{event.type}}</code>, <code>{{event.payload.…}}</code> and <code>{{integration.name}}</code> are filled in.`,
  })}
</fieldset>
<div class="field field--checkbox">
  <input type="hidden" name="enabled" value="false"><input type="checkbox" id="f-enabled" name="enabled" value="true"${v.enabled ? html` checked` : nothing}>
  <label for="f-enabled">Enabled</label>
</div>`;
  const title = props.mode === 'create' ? 'New route' : 'Edit route';
  return html`<section class="card" aria-labelledby="route-form-title"><h2 id="route-form-title">${title}</h2>
${errorSummary(props.errors, rendered)}
<form method="post" action="${props.action}" class="form" novalidate>
  ${csrfField(props.csrf)}
  ${props.version === undefined ? nothing : html`<input type="hidden" name="updated_at" value="${props.version}">`}
  ${fields}
  <div class="form-actions">
    <button type="submit" class="button button--primary">${props.mode === 'create' ? 'Create route' : 'Save route'}</button>
    ${props.cancelHref ? html`<a class="button button--quiet" href="${props.cancelHref}">Cancel</a>` : nothing}
  </div>
</form></section>`;
}

/** Deleting a route takes a ticked confirmation, as deleting an integration does. */
export function RouteDangerZone(props: { routeId: string; routeName: string; csrf: string }): Html {
  return html`<section class="card card--danger" aria-labelledby="danger-title">
  <h2 id="danger-title">Delete route</h2>
  <p>Events stop being sent through this route. Runs it already started stay in the history. This cannot be undone.</p>
  <form method="post" action="/admin/routes/${props.routeId}/delete" class="form">
    ${csrfField(props.csrf)}
    <div class="field field--checkbox"><input type="checkbox" id="confirm-delete" name="confirm" value="yes" required><label for="confirm-delete">I understand that ${props.routeName} will be deleted</label></div>
    <div class="form-actions"><button type="submit" class="button button--danger">Delete route</button></div>
  </form>
</section>`;
}
