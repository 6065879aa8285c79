import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../http/openapi.ts';
import { routeTable } from '../http/route-table.ts';

// Clients generated from /api/openapi learn the answers a route gives from its declaration.
describe('OpenAPI of the event replay route', () => {
  it('declares the 409 it answers for a chat interaction', () => {
    const doc = buildOpenApiDocument(routeTable) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const path = Object.keys(doc.paths).find((candidate) => candidate.startsWith('/api/events/') && candidate.endsWith('/replay'));
    expect(path).toBeDefined();
    expect(Object.keys(doc.paths[path!]!['post']!.responses)).toEqual(expect.arrayContaining(['202', '404', '409']));
  });
});
