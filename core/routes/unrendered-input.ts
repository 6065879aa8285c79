import type { FieldError } from '../http/api-error.ts';

// A route's input that could not be rendered for an event (route.template.ts bounds what a
// template may produce). Its action run is recorded all the same, with this marker in place of
// the input, so the action fails as any input that does not fit does — config_invalid, a failed
// run, its task and failure event (action.executor.ts) — while the event's other routes, and the
// events routed with it, go on. Routing and replay (route.apply.ts) both store it this way.

const KEY = '$unrenderedInput';

/** The stored stand-in for an input that could not be rendered, saying why. */
export function unrenderedInput(why: string): Record<string, string> {
  return { [KEY]: why };
}

/** Why the run's input could not be rendered, when it is the stand-in for one; else undefined. */
export function whyUnrendered(input: unknown): string | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const fields = Object.entries(input);
  const [only] = fields;
  return fields.length === 1 && only?.[0] === KEY && typeof only[1] === 'string' ? only[1] : undefined;
}

/** A template may not write the stand-in itself: its runs would fail as unrendered. */
export function reservedTemplateFields(template: Record<string, unknown>): FieldError[] {
  return Object.hasOwn(template, KEY) ? [{ path: `body.inputTemplate.${KEY}`, message: 'is reserved by the hub' }] : [];
}
