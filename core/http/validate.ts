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

/**
 * Query parameters a list does not take. Bodies are strict objects; a query is read by name, and a
 * misspelt filter (`?state=open`, `?integrationID=`) would be dropped silently, answering the whole
 * list as if it were the filtered one.
 */
function unknownParameters(schema: z.ZodType, value: unknown, where: string): FieldError[] {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  if (shape === undefined || typeof value !== 'object' || value === null) return [];
  const known = Object.keys(shape);
  return Object.keys(value)
    .filter((name) => !Object.hasOwn(shape, name))
    .map((name) => ({ path: `${where}.${name.slice(0, 100)}`, message: `unknown parameter; expected ${known.join(', ')}` }));
}

/**
 * `_=<anything>`, the parameter HTTP clients (jQuery's `cache: false`, dashboards, some proxies)
 * add to defeat caches: it names no filter, so it is dropped rather than refused as unknown.
 */
function withoutCacheBuster(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, '_')) return value;
  const { _: _ignored, ...rest } = value as Record<string, unknown>;
  return rest;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  // Before the schema, and whether or not there is one: the handler must never see such input.
  const unstorable = unstorableFields(value, where);
  if (unstorable.length > 0) throw invalid(where, unstorable);
  if (!schema) return value;
  if (where === 'query') {
    value = withoutCacheBuster(value);
    const unknown = unknownParameters(schema, value, where);
    if (unknown.length > 0) throw invalid(where, unknown);
  }
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
