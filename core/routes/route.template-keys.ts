import type { ActionDefinition } from '../../connectors/sdk/connector.types.ts';
import { jsonSchema } from '../connectors/connector.catalog.ts';
import type { FieldError } from '../http/api-error.ts';

// A template field the target action does not take would only be found when an event arrives —
// the run failing config_invalid, or worse, a connector that ignores it creating an incident
// without it. The action's input schema, exported for the catalog as JSON Schema, says which
// top-level fields it takes; a template's keys are literal (only values hold placeholders), so they
// can be checked when the route is saved.

/** The top-level fields the action accepts, or undefined when its schema does not say (open input). */
function acceptedFields(action: Pick<ActionDefinition<unknown, unknown>, 'input'>): Set<string> | undefined {
  let schema: { type?: unknown; properties?: unknown; additionalProperties?: unknown };
  try {
    schema = jsonSchema(action.input);
  } catch {
    return undefined;
  }
  if (schema.type !== 'object' || schema.additionalProperties !== false || typeof schema.properties !== 'object' || schema.properties === null) return undefined;
  return new Set(Object.keys(schema.properties));
}

/** The template's top-level keys the action would refuse, as field errors under `body.inputTemplate`. */
export function unknownTemplateFields(action: Pick<ActionDefinition<unknown, unknown>, 'input'>, template: Record<string, unknown>): FieldError[] {
  const accepted = acceptedFields(action);
  if (!accepted) return [];
  const expected = [...accepted].join(', ') || '(no fields)';
  return Object.keys(template)
    .filter((key) => !accepted.has(key))
    .map((key) => ({ path: `body.inputTemplate.${key}`, message: `is not an input of this action; expected one of: ${expected}` }));
}
