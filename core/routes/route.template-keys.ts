import { z } from 'zod';
import type { ActionDefinition } from '../../connectors/sdk/connector.types.ts';
import { jsonSchema } from '../connectors/connector.catalog.ts';
import type { FieldError } from '../http/api-error.ts';
import { countPlaceholders } from './route.template.ts';

// A template field the target action does not take, or an input it requires that the template
// leaves out, would only be found when an event arrives — every run failing config_invalid, or
// worse, a connector that ignores a field creating an incident without it. The action's input schema, exported for the catalog as JSON Schema, says which
// top-level fields it takes; a template's keys are literal (only values hold placeholders), so they
// can be checked when the route is saved. So can a value with no placeholder in it, which reaches
// the action as written: `urgency: 1` where the action takes "1" would fail every event.

interface InputSchema {
  type?: unknown;
  properties?: unknown;
  additionalProperties?: unknown;
  required?: unknown;
}

function inputSchema(action: Pick<ActionDefinition<unknown, unknown>, 'input'>): InputSchema | undefined {
  try {
    return jsonSchema(action.input) as InputSchema;
  } catch {
    return undefined;
  }
}

/** The top-level fields the action accepts, or undefined when its schema does not say (open input). */
function acceptedFields(schema: InputSchema): Set<string> | undefined {
  if (schema.type !== 'object' || schema.additionalProperties !== false || typeof schema.properties !== 'object' || schema.properties === null) return undefined;
  return new Set(Object.keys(schema.properties));
}

/**
 * The template's top-level keys the action would refuse, and the inputs it requires that the
 * template leaves out (no event could supply them: keys are literal), as field errors under
 * `body.inputTemplate`.
 */
export function templateFieldErrors(action: Pick<ActionDefinition<unknown, unknown>, 'input'>, template: Record<string, unknown>): FieldError[] {
  const schema = inputSchema(action);
  if (!schema) return [];
  const accepted = acceptedFields(schema);
  const expected = accepted ? [...accepted].join(', ') || '(no fields)' : '';
  const unknown = accepted
    ? Object.keys(template)
        .filter((key) => !accepted.has(key))
        .map((key) => ({ path: `body.inputTemplate.${key}`, message: `is not an input of this action; expected one of: ${expected}` }))
    : [];
  const required = Array.isArray(schema.required) ? schema.required.filter((key): key is string => typeof key === 'string') : [];
  const missing = required
    .filter((key) => !Object.hasOwn(template, key))
    .map((key) => ({ path: `body.inputTemplate.${key}`, message: 'is required by this action: give it a value or a {{placeholder}}' }));
  return [...unknown, ...missing, ...literalValueErrors(action, template)];
}

/** Values without a placeholder that the action's input refuses, with the input's own reason. */
function literalValueErrors(action: Pick<ActionDefinition<unknown, unknown>, 'input'>, template: Record<string, unknown>): FieldError[] {
  const input: unknown = action.input;
  if (!(input instanceof z.ZodObject)) return [];
  const fields = input.shape as Record<string, z.ZodType | undefined>;
  return Object.entries(template).flatMap(([key, value]) => {
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!field || countPlaceholders(value) > 0) return [];
    const parsed = field.safeParse(value);
    return parsed.success
      ? []
      : parsed.error.issues.map((issue) => ({ path: ['body.inputTemplate', key, ...issue.path].join('.'), message: `${issue.message} (this value has no placeholder, so every event would send it as written)` }));
  });
}
