import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError, ValidationError, type FieldError } from './api-error.ts';
import { zodFieldErrors } from './zod-fields.ts';
import type { AppEnv } from './app-env.ts';
import { unstorableFields } from './storable-input.ts';

// The message names the first few; ApiError counts the rest.
const FIELDS_IN_MESSAGE = 10;

function invalid(where: string, fields: FieldError[]): ValidationError {
  return new ValidationError(`invalid ${where}: ${fields.slice(0, FIELDS_IN_MESSAGE).map((f) => `${f.path} ${f.message}`).join('; ')}`, fields);
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  // Before the schema, and whether or not there is one: the handler must never see such input.
  const unstorable = unstorableFields(value, where);
  if (unstorable.length > 0) throw invalid(where, unstorable);
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalid(where, zodFieldErrors(result.error, where));
}

// JSON is UTF-8 (RFC 8259). Decoding other bytes leniently would store U+FFFD in place of what was
// sent (a Latin-1 name, a credential no upstream would then accept) and answer success.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const bytes = await c.req.arrayBuffer();
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not UTF-8; send JSON encoded as UTF-8');
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
  }
}

export interface RouteSchemas {
  params?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  body?: z.ZodType | undefined;
}

/** Validates path parameters, query and JSON body against the route's zod schemas. */
export async function validateInput(c: Context<AppEnv>, schemas: RouteSchemas): Promise<{ params: unknown; query: unknown; body: unknown }> {
  const params = parse(schemas.params, c.req.param(), 'params');
  const query = parse(schemas.query, c.req.query(), 'query');
  const body = schemas.body ? parse(schemas.body, await readJson(c), 'body') : undefined;
  return { params, query, body };
}
