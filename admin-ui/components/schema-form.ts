import { html, nothing, when, type Html } from '../html.ts';
import { fieldId, fieldKind, humanize, isSecretName, shownText, variantName, variantsOf, type JsonSchema } from './json-schema.ts';
import { hasLineBreak } from './shown-text.ts';

// Renders form fields from a connector's JSON Schema: labels, descriptions, defaults, limits,
// inline errors, nested objects as fieldsets and discriminated unions (`auth.type`) as a choice of
// field groups. Input names are dotted paths (`config.tables.incident`); schema-form.parse.ts reads
// them back. In write-only mode (credentials) nothing is ever filled in from stored values.

export interface SchemaFormState {
  /** Errors by logical path without the `body.` prefix, e.g. `config.instanceUrl`. */
  errors: ReadonlyMap<string, string[]>;
  /** Write-only: secrets and every other value are left empty; the hint explains why. */
  writeOnly: boolean;
  /** Filled while rendering: which logical paths have a field, its id and label (for the error summary). */
  rendered: Map<string, RenderedField>;
}

export interface RenderedField {
  id: string;
  /** The label with its enclosing groups, e.g. "Tables › Incident". */
  label: string;
}

interface Field {
  name: string;
  path: string;
  label: string;
  required: boolean;
  /** Labels of the enclosing fieldsets. */
  trail: string[];
}

interface Parent {
  name: string;
  path: string;
  trail: string[];
}

function child(parent: Parent, key: string, required: boolean, schema: JsonSchema): Field {
  return { name: `${parent.name}.${key}`, path: `${parent.path}.${key}`, label: schema.title ?? humanize(key), required, trail: parent.trail };
}

function register(state: SchemaFormState, path: string, id: string, field: Field): void {
  state.rendered.set(path, { id, label: [...field.trail, field.label].join(' › ') });
}

function get(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

function limits(schema: JsonSchema): string[] {
  const parts: string[] = [];
  if (schema.minimum !== undefined && schema.maximum !== undefined) parts.push(`Between ${schema.minimum} and ${schema.maximum}.`);
  else if (schema.minimum !== undefined) parts.push(`At least ${schema.minimum}.`);
  else if (schema.maximum !== undefined) parts.push(`At most ${schema.maximum}.`);
  if (schema.maxLength !== undefined) parts.push(`Up to ${schema.maxLength} characters.`);
  if (schema.default !== undefined && typeof schema.default !== 'object' && typeof schema.default !== 'boolean') parts.push(`Default: ${String(schema.default)}.`);
  return parts;
}

interface Described {
  hint: Html;
  error: Html;
  describedBy: string;
  invalid: boolean;
}

function describe(field: Field, schema: JsonSchema, state: SchemaFormState, secret: boolean): Described {
  const id = fieldId(field.name);
  register(state, field.path, id, field);
  const texts = [schema.description, ...limits(schema)].filter((text): text is string => Boolean(text));
  // In write-only mode the section says once that nothing is shown; repeating it per field is noise.
  if (secret && !state.writeOnly) texts.push('Write-only: a stored value is never shown.');
  const messages = state.errors.get(field.path) ?? [];
  const ids = [texts.length > 0 ? `${id}-hint` : '', messages.length > 0 ? `${id}-error` : ''].filter(Boolean);
  return {
    hint: texts.length > 0 ? html`<p class="hint" id="${id}-hint">${texts.join(' ')}</p>` : nothing,
    error:
      messages.length > 0
        ? html`<p class="field-error" id="${id}-error"><span class="visually-hidden">Error: </span>${messages.join('; ')}</p>`
        : nothing,
    describedBy: ids.join(' '),
    invalid: messages.length > 0,
  };
}

function labelText(field: Field): Html {
  return html`${field.label}${field.required ? nothing : html` <span class="optional">(optional)</span>`}`;
}

function aria(d: Described): Html {
  return html`${d.describedBy ? html` aria-describedby="${d.describedBy}"` : nothing}${d.invalid ? html` aria-invalid="true"` : nothing}`;
}

function wrap(d: Described, inner: Html, extraClass = ''): Html {
  return html`<div class="field${extraClass}${d.invalid ? ' field--error' : ''}">${inner}</div>`;
}

function textInput(field: Field, schema: JsonSchema, value: unknown, state: SchemaFormState): Html {
  const secret = isSecretName(field.name.split(/[.~]/).at(-1) ?? '') || schema.writeOnly === true;
  const d = describe(field, schema, state, secret);
  const id = fieldId(field.name);
  const kind = fieldKind(schema);
  const shown = state.writeOnly || secret ? undefined : shownText(schema, value ?? (typeof schema.default === 'object' ? undefined : schema.default));
  // A stored value that is not a number would be emptied by a number input (browsers drop what
  // they cannot read as one), and saved as unset; as text it comes back for the schema to refuse.
  const numeric = (kind === 'integer' || kind === 'number') && (value === undefined || typeof value === 'number');
  const label = html`<label for="${id}">${labelText(field)}</label>${d.hint}${d.error}`;
  const required = field.required && !state.writeOnly ? html` required` : nothing;
  // A one-line input would drop the line breaks of a value stored through the API on the next save.
  if (shown !== undefined && hasLineBreak(shown)) {
    return wrap(d, html`${label}<textarea id="${id}" name="${field.name}" rows="4" spellcheck="false"${required}${aria(d)} class="input">
${shown}</textarea>`);
  }
  const attrs = numeric
    ? html` type="number" inputmode="${kind === 'integer' ? 'numeric' : 'decimal'}"${schema.minimum !== undefined ? html` min="${schema.minimum}"` : nothing}${
        schema.maximum !== undefined ? html` max="${schema.maximum}"` : nothing
      } step="${kind === 'integer' ? '1' : 'any'}"`
    : secret
      ? html` type="password" autocomplete="new-password" spellcheck="false"`
      : html` type="text" spellcheck="false"${/url$/i.test(field.name) ? html` inputmode="url" autocomplete="url"` : html` autocomplete="off"`}`;
  return wrap(
    d,
    html`${label}<input id="${id}" name="${field.name}"${attrs}${shown === undefined ? nothing : html` value="${shown}"`}${required}${aria(d)} class="input${numeric ? ' input--short' : ''}">`,
  );
}

function selectInput(field: Field, schema: JsonSchema, value: unknown, state: SchemaFormState): Html {
  const d = describe(field, schema, state, false);
  const id = fieldId(field.name);
  const selected = state.writeOnly ? undefined : value ?? schema.default;
  const choices = schema.enum ?? [];
  const options = choices.map(
    (option) => html`<option value="${String(option)}"${String(option) === String(selected) ? html` selected` : nothing}>${String(option)}</option>`,
  );
  // A stored value the schema no longer offers stays chosen: a select without it would send
  // another choice on the next save, without a word.
  const unknown =
    selected !== undefined && selected !== null && !choices.some((option) => String(option) === String(selected))
      ? html`<option value="${String(selected)}" selected>${String(selected)} (stored; not one of the choices)</option>`
      : nothing;
  const blank = field.required && !state.writeOnly ? nothing : html`<option value="">— not set —</option>`;
  return wrap(d, html`<label for="${id}">${labelText(field)}</label>${d.hint}${d.error}<select id="${id}" name="${field.name}"${aria(d)} class="input">${blank}${options}${unknown}</select>`);
}

function checkbox(field: Field, schema: JsonSchema, value: unknown, state: SchemaFormState): Html {
  const d = describe(field, schema, state, false);
  const id = fieldId(field.name);
  const checked = (state.writeOnly ? undefined : value ?? schema.default) === true;
  // The hidden "false" comes first; a ticked box's "true" comes later and wins.
  return wrap(
    d,
    html`<input type="hidden" name="${field.name}" value="false"><input type="checkbox" id="${id}" name="${field.name}" value="true"${
      checked ? html` checked` : nothing
    }${aria(d)}><label for="${id}">${field.label}</label>${d.hint}${d.error}`,
    ' field--checkbox',
  );
}

function fixed(field: Field, schema: JsonSchema, state: SchemaFormState): Html {
  const d = describe(field, schema, state, false);
  return wrap(d, html`<span class="label">${field.label}</span>${d.hint}<p class="fixed"><code>${JSON.stringify(schema.const)}</code> <span class="muted">(fixed)</span></p>${d.error}`);
}

function stringList(field: Field, schema: JsonSchema, value: unknown, state: SchemaFormState): Html {
  const d = describe(field, { ...schema, description: [schema.description, 'One per line.'].filter(Boolean).join(' ') }, state, false);
  const id = fieldId(field.name);
  const lines = state.writeOnly ? '' : shownText(schema, value) ?? '';
  return wrap(d, html`<label for="${id}">${labelText(field)}</label>${d.hint}${d.error}<textarea id="${id}" name="${field.name}" rows="4"${aria(d)} class="input">
${lines}</textarea>`);
}

function jsonInput(field: Field, schema: JsonSchema, value: unknown, state: SchemaFormState): Html {
  const d = describe(field, { ...schema, description: [schema.description, 'JSON.'].filter(Boolean).join(' ') }, state, false);
  const id = fieldId(field.name);
  // Text that did not parse comes back from a refused form as the string typed: shown as typed.
  const text = state.writeOnly ? '' : shownText(schema, value) ?? '';
  return wrap(d, html`<label for="${id}">${labelText(field)}</label>${d.hint}${d.error}<textarea id="${id}" name="${field.name}" rows="4" class="input input--code"${aria(d)}>
${text}</textarea>`);
}

function objectFields(parent: Parent, schema: JsonSchema, value: unknown, state: SchemaFormState, skip?: string): Html[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {})
    .filter(([key]) => key !== skip)
    .map(([key, property]) => renderField(child(parent, key, required.has(key), property), property, get(value, key), state));
}

function objectFieldset(field: Field, schema: JsonSchema, value: unknown, state: SchemaFormState): Html {
  const d = describe(field, schema, state, false);
  return html`<fieldset class="fieldset${d.invalid ? ' field--error' : ''}" id="${fieldId(field.name)}"><legend>${labelText(field)}</legend>${d.hint}${d.error}${objectFields(
    { ...field, trail: [...field.trail, field.label] },
    schema,
    value,
    state,
  )}</fieldset>`;
}

function variantGroup(field: Field, schema: JsonSchema, value: unknown, state: SchemaFormState): Html {
  const union = variantsOf(schema);
  if (!union) return jsonInput(field, schema, value, state);
  const d = describe(field, schema, state, false);
  const chosen = String(get(value, union.discriminator) ?? union.variants[0]?.value ?? '');
  register(state, `${field.path}.${union.discriminator}`, fieldId(`${field.name}.${union.discriminator}-${chosen}`), field);
  const options = union.variants.map((variant) => {
    const radioId = fieldId(`${field.name}.${union.discriminator}-${variant.value}`);
    const inner = { name: variantName(field.name, variant.value), path: field.path, trail: [...field.trail, field.label] };
    // Errors of the unchosen variants would point at fields the user did not fill in.
    const variantState = variant.value === chosen ? state : { ...state, errors: new Map<string, string[]>(), rendered: new Map<string, RenderedField>() };
    return html`<input type="radio" class="variant__radio" id="${radioId}" name="${field.name}.${union.discriminator}" value="${variant.value}"${
      variant.value === chosen ? html` checked` : nothing
    }><label class="variant__label" for="${radioId}">${variant.schema.title ?? humanize(variant.value)}</label><div class="variant__body">${when(
      variant.schema.description,
      () => html`<p class="hint">${variant.schema.description}</p>`,
    )}${objectFields(inner, variant.schema, variant.value === chosen ? value : undefined, variantState, union.discriminator)}</div>`;
  });
  return html`<fieldset class="fieldset variants${d.invalid ? ' field--error' : ''}" id="${fieldId(field.name)}"><legend>${labelText(field)}</legend>${d.hint}${d.error}${options}</fieldset>`;
}

export function renderField(field: Field, schema: JsonSchema, value: unknown, state: SchemaFormState): Html {
  switch (fieldKind(schema)) {
    case 'object':
      return objectFieldset(field, schema, value, state);
    case 'variants':
      return variantGroup(field, schema, value, state);
    case 'fixed':
      return fixed(field, schema, state);
    case 'boolean':
      return checkbox(field, schema, value, state);
    case 'enum':
      return selectInput(field, schema, value, state);
    case 'string-list':
      return stringList(field, schema, value, state);
    case 'json':
      return jsonInput(field, schema, value, state);
    default:
      return textInput(field, schema, value, state);
  }
}

/** The fields of an object schema under `root` (the input name prefix and the error path prefix). */
export function renderSchemaFields(schema: JsonSchema, root: string, value: unknown, state: SchemaFormState): Html {
  return html`${objectFields({ name: root, path: root, trail: [] }, schema, value, state)}`;
}
