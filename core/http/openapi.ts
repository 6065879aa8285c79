import { z } from 'zod';
import { hubVersion } from '../server/version.ts';
import type { AnyRoute } from './route.ts';
import { ErrorResponse } from '../../schemas/api/common.schema.ts';

// The OpenAPI document is generated from the same route declarations and zod schemas that
// validate requests, so documentation and behaviour cannot disagree.

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const document = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(document.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (document.required ?? []).includes(name),
    schema: property,
    ...(typeof property['description'] === 'string' ? { description: property['description'] } : {}),
  }));
}

function operation(route: AnyRoute): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    if (!doc) continue;
    responses[status] = {
      description: doc.description,
      ...(doc.schema ? { content: { 'application/json': { schema: jsonSchema(doc.schema, 'output') } } } : {}),
    };
  }
  const error = { content: { 'application/json': { schema: jsonSchema(ErrorResponse, 'output') } } };
  // Every query and path value is checked (no NUL, no lone surrogate) whether or not the route has a
  // schema, and the 1 MB body limit runs before routing: any operation can answer these.
  responses['400'] ??= { description: 'invalid input', ...error };
  if (route.method !== 'get') responses['413'] ??= { description: 'body over 1 MB', ...error };
  if (route.access !== 'public') {
    responses['401'] ??= { description: 'missing or invalid token', ...error };
    responses['403'] ??= { description: `needs the ${route.access} role`, ...error };
    // Every such request reads its token from the database.
    responses['503'] ??= {
      description: 'database_unavailable: the database failed the request for a reason that passes; send it again after Retry-After',
      headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } },
      ...error,
    };
  }
  return {
    summary: route.summary,
    tags: [route.tag],
    operationId: `${route.method}${route.path.replace(/[/:.]+(\w)/g, (_, c: string) => c.toUpperCase())}`,
    ...(route.access === 'public' ? { security: [] } : { 'x-required-role': route.access }),
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body
      ? {
          requestBody: {
            // As the API judges it: a body whose schema takes none (`{ note? }` of a task's ack) may be left out.
            required: !route.body.safeParse(undefined).success,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input'), ...(route.example === undefined ? {} : { example: route.example }) } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly AnyRoute[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'GRC integration hub API',
      version: hubVersion,
      description:
        'Errors are `{ "error": { "code", "message", "runbook"?, "fields"? } }`; `fields` lists invalid inputs as `{ "path", "message" }` (the first 20). Send `Authorization: Bearer <token>`.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
