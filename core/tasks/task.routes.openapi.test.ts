import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../http/openapi.ts';
import { routeTable } from '../http/route-table.ts';
import { TaskActionRequest } from '../../schemas/api/task.schema.ts';

// Clients generated from /api/openapi learn from it which bodies they must send and which answers
// a route gives.
type Operation = { requestBody?: { required?: boolean }; responses: Record<string, unknown> };
const doc = buildOpenApiDocument(routeTable) as { paths: Record<string, Record<string, Operation>> };

describe('OpenAPI of the task routes', () => {
  it('lets an ack or resolve leave out its body, as the API does', () => {
    expect(TaskActionRequest.safeParse(undefined).success).toBe(true);
    for (const action of ['ack', 'resolve']) expect(doc.paths[`/api/tasks/{id}/${action}`]!['post']!.requestBody?.required).toBe(false);
  });

  it('still marks a body required where the API requires one', () => {
    expect(doc.paths['/api/integrations']!['post']!.requestBody?.required).toBe(true);
  });

  it('declares 409 for ack and resolve, and not for reading a task', () => {
    expect(Object.keys(doc.paths['/api/tasks/{id}']!['get']!.responses)).not.toContain('409');
    for (const action of ['ack', 'resolve']) expect(Object.keys(doc.paths[`/api/tasks/{id}/${action}`]!['post']!.responses)).toContain('409');
  });
});
