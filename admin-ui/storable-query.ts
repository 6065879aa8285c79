import type { MiddlewareHandler } from 'hono';
import { ValidationError } from '../core/http/api-error.ts';
import { unstorableFields } from '../core/http/storable-input.ts';
import type { AdminEnv } from './admin-env.ts';

// The list pages filter by what people type into their filter forms (a stream, an error code, an
// event type); those arrive as query parameters and go into SQL as they are, so a NUL (or any
// other text core/http/storable-input.ts refuses) among them failed the page with a 500. The JSON API refuses such a query in core/http/validate.ts; this
// refuses it for every admin page, before any handler reads the query. Form bodies are checked
// where each form is read (forms/form-request.ts), so their errors can stand beside the field.

/** A 400 page for a query the database could not be asked about. */
export function refuseUnstorableQuery(): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const fields = unstorableFields(c.req.query(), 'query');
    if (fields.length > 0) {
      const problems = fields.map((field) => `${field.path.replace(/^query\./, '')} ${field.message}`).join('; ');
      throw new ValidationError(`the link cannot be read: ${problems}`, fields);
    }
    await next();
  };
}
