import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './openapi.ts';
import { routeTable } from './route-table.ts';

// README "Status codes": 413 body over 1 MB (every route: the body limit runs before routing), 503
// database_unavailable with Retry-After (every route that touches the database). The served
// OpenAPI document is generated from the routes and must list what they answer.
describe('the OpenAPI document declares the statuses every route answers', () => {
  const doc = buildOpenApiDocument(routeTable) as { paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown; security?: unknown[] }>> };
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ label: `${method.toUpperCase()} ${path}`, op })));

  it('413 payload_too_large on every operation that takes a body', () => {
    const missing = ops.filter(({ op }) => op.requestBody && !op.responses['413']).map(({ label }) => label);
    expect(missing).toEqual([]);
  });

  it('503 database_unavailable on every token-authenticated operation (the token lookup alone reads the database)', () => {
    const missing = ops.filter(({ op }) => !Array.isArray(op.security) && !op.responses['503']).map(({ label }) => label);
    expect(missing).toEqual([]);
  });

  it('a schema for every success that answers a body', () => {
    const linked = doc.paths['/api/slack/links']?.['post']?.responses['201'] as { content?: unknown } | undefined;
    expect(linked?.content).toBeDefined();
  });
});
