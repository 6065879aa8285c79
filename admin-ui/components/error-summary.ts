import type { FieldError } from '../../core/http/api-error.ts';
import { html, nothing, type Html } from '../html.ts';
import type { RenderedField } from './schema-form.ts';

/** `body.config.instanceUrl` → `config.instanceUrl`: the path the form fields are keyed by. */
export function formPath(apiPath: string): string {
  return apiPath.replace(/^body\./, '');
}

export function errorsByPath(errors: readonly FieldError[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const error of errors) {
    const path = formPath(error.path);
    map.set(path, [...(map.get(path) ?? []), error.message]);
  }
  return map;
}

/** Every problem at the top of the form, each linking to its field when the form has one. */
export function errorSummary(errors: readonly FieldError[], rendered: ReadonlyMap<string, RenderedField>): Html {
  if (errors.length === 0) return nothing;
  const items = errors.map((error) => {
    const path = formPath(error.path);
    // An error on a whole group (e.g. `credentials.auth`) links to the group.
    let field = rendered.get(path);
    for (let p = path; !field && p.includes('.'); p = p.slice(0, p.lastIndexOf('.'))) field = rendered.get(p);
    const text = html`<strong>${field?.label ?? path}</strong>: ${error.message}`;
    return field ? html`<li><a href="#${field.id}">${text}</a></li>` : html`<li>${text}</li>`;
  });
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" id="error-summary" autofocus>
<h2 class="error-summary__title" id="error-summary-title">There ${errors.length === 1 ? 'is a problem' : `are ${errors.length} problems`} with the form</h2>
<ul>${items}</ul>
</div>`;
}
