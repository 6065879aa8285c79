import { z } from 'zod';

/** GET /api/openapi.json: an OpenAPI 3.1 document, described only as far as a client relies on it. */
export const OpenApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.looseObject({}))),
});
