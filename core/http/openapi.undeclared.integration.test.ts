import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { routeTable } from '../../core/http/route-table.ts';
import { answerOf, contractProblems } from '../../test-support/openapi-contract.ts';

// The served OpenAPI document against what the routes answer. Every route runs the same input
// checks (storable-input.ts on query and params whether or not the route has a schema; the 1 MB
// body limit on every request), but openapi.ts declares 400 only where a route has a params /
// query / body schema and 413 only where it has a body schema. A generated client (or a response
// validator in front of the hub) then meets statuses the document says cannot happen, and
// GET /api/openapi.json itself is declared as answering no body.

let test: TestHub;
let tenant: TestTenant;
beforeAll(async () => {
  test = await startTestHub({ label: 'openapi_undeclared' });
  tenant = await test.createTenant('home');
}, 120_000);
afterAll(async () => {
  await test?.close();
});

const FAKE = '7b0c1f6e-3c1d-4f4a-9a51-1c2d3e4f5a6b';
const pathOf = (path: string) => path.replace(/:\w+/g, FAKE);

describe('statuses every route answers are in the OpenAPI document', () => {
  it('400 for a query parameter holding a NUL, on every route', async () => {
    const problems: string[] = [];
    for (const route of routeTable) {
      const answer = await answerOf(await test.request(route.method, `${pathOf(route.path)}?x=%00`, { token: tenant.tokens.admin }));
      expect(answer.status, `${route.method} ${route.path}`).toBe(400);
      problems.push(...contractProblems(route.method, route.path, answer));
    }
    expect(problems).toEqual([]);
  });

  it('413 for a body over 1 MB, on every route that is not a GET', async () => {
    const problems: string[] = [];
    const big = JSON.stringify({ pad: 'x'.repeat(1_100_000) });
    for (const route of routeTable.filter((r) => r.method !== 'get')) {
      const answer = await answerOf(await test.request(route.method, pathOf(route.path), { token: tenant.tokens.admin, body: big }));
      expect(answer.status, `${route.method} ${route.path}`).toBe(413);
      problems.push(...contractProblems(route.method, route.path, answer));
    }
    expect(problems).toEqual([]);
  });

  it('GET /api/openapi.json declares the JSON it answers', async () => {
    const answer = await answerOf(await test.request('get', '/api/openapi.json'));
    expect(answer.status).toBe(200);
    expect(contractProblems('get', '/api/openapi.json', answer)).toEqual([]);
  });
});
