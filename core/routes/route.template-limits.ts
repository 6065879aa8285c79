import type { FieldError } from '../http/api-error.ts';
import { countPlaceholders } from './route.template.ts';
import { reservedTemplateFields } from './unrendered-input.ts';

// What a template may hold, checked when the route is saved. A real template names a few dozen
// fields; one with thousands of placeholders only multiplies event data (a 1 MiB body holds 45,000
// copies of "{{event.payload.blob}}"), and each event it routes would fail at the render bound
// (route.template.ts). Refused up front, the admin learns it from the save, not from failed runs.

export const MAX_TEMPLATE_PLACEHOLDERS = 1000;

/** Why the template cannot be saved, as field errors under `body.inputTemplate`; empty when it can. */
export function templateLimitErrors(template: Record<string, unknown>): FieldError[] {
  const placeholders = countPlaceholders(template);
  const tooMany = placeholders > MAX_TEMPLATE_PLACEHOLDERS
    ? [{ path: 'body.inputTemplate', message: `holds ${placeholders} placeholders; at most ${MAX_TEMPLATE_PLACEHOLDERS} are allowed` }]
    : [];
  return [...tooMany, ...reservedTemplateFields(template)];
}
