// The subset of JSON Schema (draft 2020-12, as zod's toJSONSchema writes it) that connector config
// and credential schemas use, and helpers shared by the form renderer and the form parser.

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  writeOnly?: boolean;
  additionalProperties?: boolean | JsonSchema;
}

export type FieldKind = 'object' | 'variants' | 'boolean' | 'enum' | 'integer' | 'number' | 'string' | 'string-list' | 'fixed' | 'json';

export function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
}

export function fieldKind(schema: JsonSchema): FieldKind {
  if ('const' in schema) return 'fixed';
  if (variantsOf(schema)) return 'variants';
  if (schema.enum) return 'enum';
  const type = typeOf(schema);
  if (type === 'object' && schema.properties) return 'object';
  if (type === 'boolean') return 'boolean';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (type === 'string') return 'string';
  if (type === 'array' && schema.items && (typeOf(schema.items) === 'string' || schema.items.enum)) return 'string-list';
  return 'json';
}

export interface Variant {
  value: string;
  schema: JsonSchema;
}

export interface Variants {
  discriminator: string;
  variants: Variant[];
}

/** A oneOf/anyOf of objects told apart by one property with a constant string value (`type`). */
export function variantsOf(schema: JsonSchema): Variants | undefined {
  const options = schema.oneOf ?? schema.anyOf;
  if (!options || options.length === 0) return undefined;
  const first = options[0]?.properties ?? {};
  for (const key of Object.keys(first)) {
    const values = options.map((option) => option.properties?.[key]?.const);
    if (values.every((value) => typeof value === 'string') && new Set(values).size === values.length) {
      return { discriminator: key, variants: options.map((option, i) => ({ value: values[i] as string, schema: option })) };
    }
  }
  return undefined;
}

// Field names whose values are secrets: shown as password inputs and never filled in.
const SECRET_NAMES = /(password|secret|token|apikey|api_key|privatekey|private_key|^key$)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAMES.test(name);
}

const WORDS: Record<string, string> = {
  url: 'URL', id: 'ID', api: 'API', oauth2: 'OAuth 2.0', oauth: 'OAuth', uri: 'URI', sc: 'SC', ip: 'IP', tz: 'time zone',
  basic: 'Basic (user name and password)', bearer: 'Bearer token', api_key: 'API key',
};

/** `instanceUrl` → "Instance URL", `change_request` → "Change request". */
export function humanize(name: string): string {
  const whole = WORDS[name.toLowerCase()];
  if (whole && !/[A-Z_]/.test(name.slice(1))) return whole.charAt(0).toUpperCase() + whole.slice(1);
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .split(/\s+/)
    .map((word, i) => {
      const known = WORDS[word.toLowerCase()];
      if (known && !known.includes(' ')) return known;
      return i === 0 ? word.charAt(0).toUpperCase() + word.slice(1).toLowerCase() : word.toLowerCase();
    });
  return words.join(' ');
}

/** A stable, valid HTML id for an input name. */
export function fieldId(name: string): string {
  return `f-${name.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

/** Name of a variant's fields: `credentials.auth~basic` keeps same-named fields of variants apart. */
export function variantName(name: string, value: string): string {
  return `${name}~${value}`;
}

/**
 * The text a field of this schema shows for a stored value (undefined: it shows none, as for
 * checkboxes and groups). The renderer shows it and the parser compares the submitted text with it.
 */
export function shownText(schema: JsonSchema, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  switch (fieldKind(schema)) {
    case 'object':
    case 'variants':
    case 'fixed':
    case 'boolean':
      return undefined;
    case 'string-list':
      return Array.isArray(value) ? value.map(String).join('\n') : undefined;
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}
