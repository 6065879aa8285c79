import type { FieldError } from '../../core/http/api-error.ts';
import { html, nothing, type Html } from '../html.ts';
import { errorsByPath } from './error-summary.ts';
import type { RenderedField } from './schema-form.ts';
import { hasLineBreak } from './shown-text.ts';

/** Draws a field's control, given its id, the ids describing it and `aria-invalid` when in error. */
export type FieldControl = (id: string, describedBy: string, invalid: Html) => Html;

export interface FieldOptions {
  hint?: Html | string;
  optional?: boolean;
}

/** Errors for `path` and anything under it (`filter.fields.x` shows beside `filter.fields`). */
function messagesFor(errors: ReadonlyMap<string, string[]>, path: string): string[] {
  return [...errors].filter(([key]) => key === path || key.startsWith(`${path}.`)).flatMap(([, messages]) => messages);
}

/**
 * Labelled fields of a hand-written form with their hints and errors; `rendered` collects what was
 * drawn, for the error summary's links.
 */
export function formFields(errors: readonly FieldError[]): {
  field: (path: string, label: string, control: FieldControl, options?: FieldOptions) => Html;
  rendered: Map<string, RenderedField>;
} {
  const byPath = errorsByPath(errors);
  const rendered = new Map<string, RenderedField>();
  const field = (path: string, label: string, control: FieldControl, options: FieldOptions = {}) => {
    const id = `f-${path.replace(/\./g, '-')}`;
    rendered.set(path, { id, label });
    const messages = messagesFor(byPath, path);
    const describedBy = [options.hint ? `${id}-hint` : '', messages.length > 0 ? `${id}-error` : ''].filter(Boolean).join(' ');
    return html`<div class="field${messages.length > 0 ? ' field--error' : ''}">
  <label for="${id}">${label}${options.optional ? html` <span class="optional">(optional)</span>` : nothing}</label>
  ${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : nothing}
  ${messages.length > 0 ? html`<p class="field-error" id="${id}-error"><span class="visually-hidden">Error: </span>${messages.join('; ')}</p>` : nothing}
  ${control(id, describedBy, messages.length > 0 ? html` aria-invalid="true"` : nothing)}
</div>`;
  };
  return { field, rendered };
}

/**
 * A one-line input: text unless `type` says otherwise (e.g. date, with `input input--short`). A text
 * stored through the API with a line break is shown in a textarea instead: an input would drop the
 * line break on the next save. (The HTML parser eats the line break written after <textarea>.)
 */
export function textControl(name: string, value: string, extra: Html = nothing, { type = 'text', className = 'input' }: { type?: string; className?: string } = {}): FieldControl {
  if (type === 'text' && hasLineBreak(value)) {
    return (id, describedBy, invalid) =>
      html`<textarea id="${id}" name="${name}" rows="2" class="${className}"${describedBy ? html` aria-describedby="${describedBy}"` : nothing}${invalid}${extra}>
${value}</textarea>`;
  }
  return (id, describedBy, invalid) =>
    html`<input id="${id}" name="${name}" type="${type}" class="${className}" value="${value}"${describedBy ? html` aria-describedby="${describedBy}"` : nothing}${invalid}${extra}>`;
}
