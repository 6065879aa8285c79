import type { z } from 'zod';
import type { FieldError } from '../../core/http/api-error.ts';
import { unstorableFields } from '../../core/http/storable-input.ts';
import { zodFieldErrors } from '../../core/http/zod-fields.ts';

// The admin forms build the request body the JSON API takes and validate it here, never with a
// bare `schema.safeParse`: the API's checks run in core/http/validate.ts, which forms skip. So the
// same two steps happen here, in the same order: first what no schema thinks of but the database
// cannot store (a NUL typed or pasted into any field, or escaped as \u0000 inside a JSON field; a
// lone surrogate escaped as \ud800 inside a JSON field; JSON nested deeper than the API takes),
// then the request schema. Without the first step such
// input reached PostgreSQL and failed with a 500, sometimes after other writes had gone through.
// Errors carry the API's field paths (`body.config.query`), which the forms show beside the field.

export type FormRequest<T> =
  | { ok: true; data: T }
  /** `storable: false` when the body must not reach any further check or write. */
  | { ok: false; errors: FieldError[]; storable: boolean };

/** `body` (built from the form) validated as the JSON API validates a request body. */
export function parseFormRequest<S extends z.ZodType>(schema: S, body: unknown): FormRequest<z.output<S>> {
  const unstorable = unstorableFields(body, 'body');
  // Not even the schema sees such input: deep enough nesting would exhaust its stack.
  if (unstorable.length > 0) return { ok: false, errors: unstorable, storable: false };
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, errors: zodFieldErrors(parsed.error, 'body'), storable: true };
}
