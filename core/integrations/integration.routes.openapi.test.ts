import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../http/openapi.ts';
import { routeTable } from '../http/route-table.ts';

// Clients generated from /api/openapi learn the answers a route gives from its declaration.
describe('OpenAPI of the integration routes', () => {
  const doc = buildOpenApiDocument(routeTable) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  const responsesOf = (method: string, suffix: string) => {
    const path = Object.keys(doc.paths).find((candidate) => candidate.startsWith('/api/integrations/') && candidate.endsWith(suffix) && doc.paths[candidate]![method]);
    expect(path, `${method} …${suffix}`).toBeDefined();
    return Object.keys(doc.paths[path!]![method]!.responses);
  };

  it('declares the 409 a PATCH answers (name taken, changed since read, approval required)', () => {
    expect(responsesOf('patch', '}')).toEqual(expect.arrayContaining(['200', '404', '409']));
  });

  it('declares the 409 a sync answers for a connector without streams', () => {
    expect(responsesOf('post', '/sync')).toEqual(expect.arrayContaining(['202', '404', '409']));
  });
});
