import { html, nothing, type Html } from '../html.ts';

export type FilterField =
  | { name: string; label: string; value: string | undefined; options: Array<[value: string, label: string]> }
  | { name: string; label: string; value: string | undefined; placeholder?: string };

/**
 * A GET form of filters: bookmarkable, works without JavaScript. `kept` are filters the form has no
 * control for (the run of "events of one run"), which filtering further must not drop.
 */
export function filterBar(action: string, fields: FilterField[], label = 'Filters', kept: Readonly<Record<string, string | undefined>> = {}): Html {
  const hidden = Object.entries(kept).flatMap(([name, value]) => (value === undefined || value === '' ? [] : [html`<input type="hidden" name="${name}" value="${value}">`]));
  const controls = fields.map((field) => {
    const id = `filter-${field.name}`;
    if ('options' in field) {
      const options = field.options.map(([value, text]) => html`<option value="${value}"${value === (field.value ?? '') ? html` selected` : nothing}>${text}</option>`);
      return html`<div class="field"><label for="${id}">${field.label}</label><select id="${id}" name="${field.name}">${options}</select></div>`;
    }
    return html`<div class="field"><label for="${id}">${field.label}</label><input id="${id}" name="${field.name}" type="search" value="${field.value ?? ''}"${
      field.placeholder ? html` placeholder="${field.placeholder}"` : nothing
    }></div>`;
  });
  return html`<form method="get" action="${action}" class="filters" role="search" aria-label="${label}">${hidden}${controls}<div class="form-actions"><button type="submit" class="button button--primary">Apply</button><a class="button button--quiet" href="${action}">Reset</a></div></form>`;
}
