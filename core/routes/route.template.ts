import type { InputPath, TemplateValues } from '../../connectors/sdk/connector.types.ts';
import { valueAtPath } from './value-at-path.ts';

// Route input templates: JSON whose strings may hold {{path}} placeholders over the event and its
// integration. A string that is exactly one placeholder takes the value with its type (a number
// stays a number, null stays null), and an object field whose placeholder finds nothing is left
// out, so an optional action input stays unset rather than becoming ""; placeholders inside longer
// strings are spliced in as text. Where the target action's input is markup (Slack's mrkdwn), the
// values from event data are escaped and the template's own text is not (TemplateValues).

// A path is anything up to the closing braces but spaces and braces: payload keys may be accented,
// CJK or hyphenated (`sys-class`), as filter paths may, and must not be sent upstream as "{{…}}".
const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}\s]+)\s*\}\}$/;

/**
 * How much event data a template's placeholders may put into one action input, in characters of
 * JSON: room for a whole event (a webhook body is at most 1 MiB) several times over, but not for a
 * template that repeats a placeholder thousands of times over a large field, which would build an
 * input of hundreds of megabytes, or one past the longest string JavaScript can hold.
 */
export const MAX_RENDERED_CHARS = 4 * 1024 * 1024;

/** The template's placeholders would put more than the bound into the input for this event. */
export class RenderedTooLargeError extends Error {
  override name = 'RenderedTooLargeError';
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function jsonLength(value: unknown): number {
  if (value === undefined) return 0;
  return typeof value === 'string' ? value.length : (JSON.stringify(value)?.length ?? 0);
}

// Rendering first keeps the template's own text and the event's values apart, as these two marks,
// so that the target action's markup fields (TemplateValues) can escape the values alone, once
// the rendered input shows where each string landed (a text object's `type` may be a placeholder).

/** A string of the template's own text with event values spliced in: `parts` alternate, text first. */
class Spliced {
  readonly parts: readonly string[];
  constructor(parts: readonly string[]) {
    this.parts = parts;
  }
}

/** A value from event data that a placeholder took whole, with its type. */
class Taken {
  readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}

/** The thing at `path` in a rendered input, or undefined. */
function at(root: unknown, path: InputPath): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/**
 * The template rendered over `scope`. What the placeholders put in is counted as it is produced,
 * so a template that would render past `maxChars` throws RenderedTooLargeError before building it.
 * With `values` (the target action's), what event data puts into its markup fields is escaped, and
 * what escaping adds counts too.
 */
export function renderTemplate(template: unknown, scope: Record<string, unknown>, maxChars = MAX_RENDERED_CHARS, values?: TemplateValues): unknown {
  let left = maxChars;
  const spend = (chars: number) => {
    left -= chars;
    if (left < 0) throw new RenderedTooLargeError(`its placeholders put more than ${maxChars} characters of event data into the input`);
  };
  const mark = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      if (whole?.[1]) {
        const value = valueAtPath(scope, whole[1]);
        spend(jsonLength(value));
        return new Taken(value);
      }
      // split with a capturing group: the template's text at even positions, paths at odd ones.
      const parts = node.split(PLACEHOLDER);
      if (parts.length === 1) return node;
      return new Spliced(parts.map((part, index) => {
        if (index % 2 === 0) return part;
        const text = asText(valueAtPath(scope, part));
        spend(text.length);
        return text;
      }));
    }
    if (Array.isArray(node)) return node.map(mark);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mark(value)] as const));
    return node;
  };
  const marked = mark(template);
  const plain = settle(marked, []);
  if (!values) return plain;
  const escaping = (path: InputPath) => {
    if (!values.isMarkup(path, at(plain, path.slice(0, -1)))) return (value: string) => value;
    return (value: string) => {
      const escaped = values.escape(value);
      spend(escaped.length - value.length);
      return escaped;
    };
  };
  return settle(marked, [], escaping);
}

type Escaping = (path: InputPath) => (value: string) => string;

/** The marked template as the input it renders, each event value written as `escaping` says for its place (none: as it is). */
function settle(node: unknown, path: InputPath, escaping?: Escaping): unknown {
  if (node instanceof Taken) return escaping ? eventValue(node.value, path, escaping) : node.value;
  if (node instanceof Spliced) {
    const escape = escaping?.(path);
    return node.parts.map((part, index) => (index % 2 === 0 || !escape ? part : escape(part))).join('');
  }
  // In a list, a placeholder that finds nothing keeps its place as null.
  if (Array.isArray(node)) return node.map((item, index) => settle(item, [...path, index], escaping) ?? null);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node)
        .map(([key, value]) => [key, settle(value, [...path, key], escaping)] as const)
        .filter(([, value]) => value !== undefined),
    );
  }
  return node;
}

/** Event data taken whole: every string in it is the event's, escaped as its place says. */
function eventValue(value: unknown, path: InputPath, escaping: Escaping): unknown {
  if (typeof value === 'string') return escaping(path)(value);
  if (Array.isArray(value)) return value.map((item, index) => eventValue(item, [...path, index], escaping));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, eventValue(item, [...path, key], escaping)]));
  return value;
}

/** How many placeholders the template holds, in all its strings. */
export function countPlaceholders(template: unknown): number {
  if (typeof template === 'string') return template.match(PLACEHOLDER)?.length ?? 0;
  if (Array.isArray(template)) return template.reduce<number>((sum, item) => sum + countPlaceholders(item), 0);
  if (template && typeof template === 'object') return Object.values(template).reduce<number>((sum, value) => sum + countPlaceholders(value), 0);
  return 0;
}
