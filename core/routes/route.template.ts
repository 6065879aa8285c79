import { valueAtPath } from './value-at-path.ts';

// Route input templates: JSON whose strings may hold {{path}} placeholders over the event and its
// integration. A string that is exactly one placeholder takes the value with its type (a number
// stays a number, null stays null), and an object field whose placeholder finds nothing is left
// out, so an optional action input stays unset rather than becoming ""; placeholders inside longer
// strings are spliced in as text.

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

/**
 * The template rendered over `scope`. What the placeholders put in is counted as it is produced,
 * so a template that would render past `maxChars` throws RenderedTooLargeError before building it.
 */
export function renderTemplate(template: unknown, scope: Record<string, unknown>, maxChars = MAX_RENDERED_CHARS): unknown {
  let left = maxChars;
  const spend = (chars: number) => {
    left -= chars;
    if (left < 0) throw new RenderedTooLargeError(`its placeholders put more than ${maxChars} characters of event data into the input`);
  };
  const render = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      if (whole?.[1]) {
        const value = valueAtPath(scope, whole[1]);
        spend(jsonLength(value));
        return value;
      }
      return node.replace(PLACEHOLDER, (_, path: string) => {
        const text = asText(valueAtPath(scope, path));
        spend(text.length);
        return text;
      });
    }
    // In a list, a placeholder that finds nothing keeps its place as null.
    if (Array.isArray(node)) return node.map((item) => render(item) ?? null);
    if (node && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node)
          .map(([key, value]) => [key, render(value)] as const)
          .filter(([, value]) => value !== undefined),
      );
    }
    return node;
  };
  return render(template);
}

/** How many placeholders the template holds, in all its strings. */
export function countPlaceholders(template: unknown): number {
  if (typeof template === 'string') return template.match(PLACEHOLDER)?.length ?? 0;
  if (Array.isArray(template)) return template.reduce<number>((sum, item) => sum + countPlaceholders(item), 0);
  if (template && typeof template === 'object') return Object.values(template).reduce<number>((sum, value) => sum + countPlaceholders(value), 0);
  return 0;
}
