import { valueAtPath } from './value-at-path.ts';

// Route input templates: JSON whose strings may hold {{path}} placeholders over the event and its
// integration. A string that is exactly one placeholder takes the value with its type (a number
// stays a number, null stays null), and an object field whose placeholder finds nothing is left
// out, so an optional action input stays unset rather than becoming ""; placeholders inside longer
// strings are spliced in as text.

const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g;
const WHOLE = /^\{\{\s*([\w.]+)\s*\}\}$/;

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function renderTemplate(template: unknown, scope: Record<string, unknown>): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole?.[1]) return valueAtPath(scope, whole[1]);
    return template.replace(PLACEHOLDER, (_, path: string) => asText(valueAtPath(scope, path)));
  }
  // In a list, a placeholder that finds nothing keeps its place as null.
  if (Array.isArray(template)) return template.map((item) => renderTemplate(item, scope) ?? null);
  if (template && typeof template === 'object') {
    return Object.fromEntries(
      Object.entries(template)
        .map(([key, value]) => [key, renderTemplate(value, scope)] as const)
        .filter(([, value]) => value !== undefined),
    );
  }
  return template;
}
