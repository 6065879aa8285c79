import { isDeepStrictEqual } from 'node:util';
import { fieldKind, isSecretName, shownText, variantName, variantsOf, type JsonSchema } from './json-schema.ts';
import { sameText } from './shown-text.ts';

// Reads the fields rendered by schema-form.ts back into a value for the connector's zod schema.
// Blank fields are left out, so optional settings stay unset and defaults apply. A value that does
// not parse (letters in a number field) is passed on as typed, so zod names the field and the
// problem instead of the form silently dropping it. In an edit form, a field sent back as it was
// shown keeps the stored value exactly (its spaces, line breaks, number or array as stored): reading
// the text again would trim it, split it or fill in what the browser could not carry.

export interface ParsedForm {
  value: Record<string, unknown>;
  /** How many fields the user actually filled in (radio choices and fixed values do not count). */
  filled: number;
}

type Form = Readonly<Record<string, string>>;

interface Counter {
  filled: number;
}

function parseLeaf(name: string, schema: JsonSchema, form: Form, counter: Counter, stored: unknown): unknown {
  const raw = form[name];
  if (raw === undefined) return undefined;
  const shown = shownText(schema, stored);
  if (shown !== undefined && sameText(raw, shown)) {
    if (shown !== '') counter.filled += 1;
    return stored;
  }
  const kind = fieldKind(schema);
  const secret = isSecretName(name.split(/[.~]/).at(-1) ?? '');
  const text = secret ? raw : raw.trim();
  switch (kind) {
    case 'boolean':
      // A checkbox always submits (hidden "false" + box "true"); only a change from the default counts as filled.
      if (text !== 'true' && text !== 'false') return undefined;
      if ((text === 'true') !== (schema.default === true)) counter.filled += 1;
      return text === 'true';
    case 'integer':
    case 'number': {
      if (text === '') return undefined;
      counter.filled += 1;
      const number = Number(text);
      return Number.isFinite(number) ? number : text;
    }
    case 'enum': {
      if (text === '') return undefined;
      counter.filled += 1;
      return (schema.enum ?? []).find((option) => String(option) === text) ?? text;
    }
    case 'string-list': {
      const items = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
      if (items.length === 0) return undefined;
      counter.filled += 1;
      return items;
    }
    case 'json': {
      if (text === '') return undefined;
      counter.filled += 1;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    }
    default:
      if (text === '') return undefined;
      counter.filled += 1;
      return text;
  }
}

function get(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

function parseObject(name: string, schema: JsonSchema, form: Form, counter: Counter, stored: unknown, skip?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (key === skip) continue;
    const value = parseValue(`${name}.${key}`, property, form, counter, required.has(key), get(stored, key));
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Whether every value read equals its field's default (an unticked checkbox defaults to false). */
function onlyDefaults(schema: JsonSchema, value: Record<string, unknown>): boolean {
  return Object.entries(value).every(([key, inner]) => {
    const property = schema.properties?.[key];
    if (!property) return false;
    if (fieldKind(property) === 'object') return inner !== null && typeof inner === 'object' && onlyDefaults(property, inner as Record<string, unknown>);
    const fallback = property.default ?? (fieldKind(property) === 'boolean' ? false : undefined);
    return fallback !== undefined && JSON.stringify(fallback) === JSON.stringify(inner);
  });
}

function parseValue(name: string, schema: JsonSchema, form: Form, counter: Counter, required: boolean, stored: unknown): unknown {
  const kind = fieldKind(schema);
  if (kind === 'fixed') return undefined;
  if (kind === 'object') {
    const before = counter.filled;
    const value = parseObject(name, schema, form, counter, stored);
    // A group stored as it came back (even empty, or defaults only) stays as stored.
    if (isDeepStrictEqual(value, stored)) return value;
    // The renderer fills in defaults (a digest's frequency and hour), so an optional group the
    // user left alone still submits them; read as set, it would lack its required fields and
    // make the whole form unsavable. Only something beyond the defaults turns the group on.
    if (!required && onlyDefaults(schema, value)) {
      counter.filled = before;
      return undefined;
    }
    return Object.keys(value).length > 0 ? value : undefined;
  }
  if (kind === 'variants') {
    const union = variantsOf(schema);
    const chosen = form[`${name}.${union?.discriminator}`];
    const variant = union?.variants.find((candidate) => candidate.value === chosen);
    if (!union || !variant) return undefined;
    const before = counter.filled;
    const kept = get(stored, union.discriminator) === variant.value ? stored : undefined;
    const value = parseObject(variantName(name, variant.value), variant.schema, form, counter, kept, union.discriminator);
    // A choice with nothing filled in is no value at all (so an untouched credentials form keeps the stored ones).
    return counter.filled > before ? { [union.discriminator]: variant.value, ...value } : undefined;
  }
  return parseLeaf(name, schema, form, counter, stored);
}

/** The object under `root` (e.g. `config`) from the submitted form; `stored`: what an edit form was filled from. */
export function parseSchemaForm(schema: JsonSchema, root: string, form: Form, stored?: unknown): ParsedForm {
  const counter: Counter = { filled: 0 };
  const value = parseObject(root, schema, form, counter, stored);
  return { value, filled: counter.filled };
}
