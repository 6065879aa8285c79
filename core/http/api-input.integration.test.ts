import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { expectNoFindings } from '../../test-support/answer-findings.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import type { AnyRoute } from './route.ts';
import { routeTable } from './route-table.ts';
import { walk, type InputCase } from './api-input.judge.testing.ts';
import { buildWorld, rowsOf, type World } from './api-input.world.testing.ts';
import { ANY_QUERY, BAD_IDS, junkFor, mustRefuse, NOWHERE, PAGING_QUERIES, RAW_BODIES, withRawField, type Expected, type FieldKind } from './malformed-input.testing.ts';

// Every route of the route table gets malformed input: bad path ids, junk in each body field,
// bodies that are no JSON object, junk query strings; then bad headers, methods, paths and
// webhooks. Whatever comes in, the API answers (no hang), never with a 5xx, refuses what its
// schema does not allow with the { "error": { "code", "message" } } shape, and never answers
// with a secret or another tenant's data. A new route is walked as soon as it is in the table;
// one with a body or query schema fails the first test until its fields are described here.


// ---- what each route takes ----

interface BodySpec {
  /** A body the route accepts. */
  valid: (w: World) => Record<string, unknown>;
  /** Every field of the body schema; the first test checks that none is missing. */
  fields: Record<string, FieldKind>;
  /** No body, or `{}`, is a valid request. */
  emptyOk: boolean;
}

const uniqueName = () => `input-${Math.random().toString(36).slice(2)}`;

const BODY_SPECS: Record<string, BodySpec> = {
  'POST /api/integrations': {
    valid: () => ({
      connector: 'testkit', name: uniqueName(), environment: 'staging', config: { dataset: 'input' },
      credentials: { auth: { type: 'bearer', token: 'input-token-0000' } }, schedules: { items: { enabled: false } }, enabled: true,
    }),
    fields: { connector: 'name', name: 'free text', environment: 'enum', config: 'object', credentials: 'object', credentialsExpiresAt: 'timestamp', schedules: 'object', enabled: 'boolean' },
    emptyOk: false,
  },
  'PATCH /api/integrations/:id': {
    valid: () => ({ name: uniqueName() }),
    fields: { name: 'free text', environment: 'enum', config: 'object', credentials: 'object', credentialsExpiresAt: 'nullable timestamp', schedules: 'object', enabled: 'boolean' },
    emptyOk: true,
  },
  'POST /api/integrations/:id/sync': { valid: () => ({ mode: 'incremental' }), fields: { stream: 'name', mode: 'enum' }, emptyOk: true },
  'POST /api/integrations/:id/credentials/rotate': {
    valid: () => ({ credentials: { auth: { type: 'bearer', token: 'input-rotated-token' } }, reason: 'input check' }),
    fields: { credentials: 'object', reason: 'free text', expiresAt: 'timestamp' },
    emptyOk: false,
  },
  'POST /api/routes': {
    valid: (w) => ({ name: uniqueName(), filter: {}, targetIntegrationId: w.ids.integration, action: 'record', inputTemplate: {}, enabled: true }),
    fields: { name: 'free text', filter: 'object', targetIntegrationId: 'uuid', action: 'name', inputTemplate: 'object', enabled: 'boolean' },
    emptyOk: false,
  },
  'PATCH /api/routes/:id': {
    valid: () => ({ name: uniqueName() }),
    fields: { name: 'free text', filter: 'object', targetIntegrationId: 'uuid', action: 'name', inputTemplate: 'object', enabled: 'boolean' },
    emptyOk: true,
  },
  'POST /api/tasks/:id/ack': { valid: () => ({ note: 'seen' }), fields: { note: 'free text' }, emptyOk: true },
  'POST /api/tasks/:id/resolve': { valid: () => ({ note: 'fixed' }), fields: { note: 'free text' }, emptyOk: true },
  'POST /api/tokens': { valid: () => ({ name: 'reader', role: 'viewer' }), fields: { name: 'free text', role: 'enum', expiresAt: 'timestamp' }, emptyOk: false },
  'PATCH /api/tenant/settings': { valid: () => ({ requireRotationApproval: false }), fields: { requireRotationApproval: 'boolean' }, emptyOk: true },
  'POST /api/slack/links': {
    valid: () => ({ teamId: 'T0INPUT', userId: 'U0INPUT', userEmail: 'ops@home.example' }),
    fields: { teamId: 'name', userId: 'name', userEmail: 'email' },
    emptyOk: false,
  },
};

/** The filters of each list; the first test requires an entry for every route with a query schema. */
const FILTER_QUERIES: Record<string, Array<[string, Expected]>> = {
  'GET /api/integrations': [['environment=bogus', '4xx'], ['environment=', '4xx'], ['connector=', '4xx'], ['connector=%00', '4xx'], ['connector=__proto__', 'no 5xx'], ['environment=staging&environment=bogus', 'no 5xx']],
  'GET /api/runs': [['status=bogus', '4xx'], ['kind=bogus', '4xx'], ['integrationId=junk', '4xx'], ['stream=', '4xx'], ['stream=%00', '4xx'], ['stream=%25', 'no 5xx'], ['status=queued&status=bogus', 'no 5xx'], ['errorCode=bogus', '4xx'], ['errorCode=%00', '4xx'], ['errorCode=auth_invalid', 'no 5xx']],
  // The type filter takes a trailing *; LIKE's own wildcards must stay literal.
  'GET /api/events': [['status=bogus', '4xx'], ['source=bogus', '4xx'], ['integrationId=junk', '4xx'], ['runId=junk', '4xx'], ['runId=%00', '4xx'], ['type=', '4xx'], ['type=%00', '4xx'], ['type=*', 'no 5xx'], ['type=**', 'no 5xx'], ['type=%25*', 'no 5xx'], ['type=_*', 'no 5xx'], ['type=%5C*', 'no 5xx']],
  'GET /api/tasks': [['status=bogus', '4xx'], ['status=OPEN', '4xx'], ['integrationId=junk', '4xx'], ['integrationId=', '4xx']],
  'GET /api/tenant/settings/changes': [['status=bogus', '4xx'], ['status=', '4xx'], ['status=applied', '4xx'], ['status=pending_approval', 'no 5xx']],
  'GET /api/tokens': [['createdByTokenId=junk', '4xx'], ['createdByTokenId=', '4xx'], ['createdByTokenId=%00', '4xx'], ['createdByTokenId=00000000-0000-4000-8000-000000000000', 'no 5xx']],
  'DELETE /api/tokens/:id': [['withDescendants=maybe', '4xx'], ['withDescendants=', '4xx'], ['withDescendants=true&withDescendants=false', 'no 5xx'], ['withDescendants=false', 'no 5xx']],
  'GET /api/audit': [['action=', '4xx'], ['action=%00', '4xx'], ['action=%25', 'no 5xx'], ['action=' + 'a'.repeat(100_000), 'no 5xx']],
};

// ---- cases per route ----

const routeKey = (route: AnyRoute) => `${route.method.toUpperCase()} ${route.path}`;

/** The top-level keys of an object schema, through a prefault. */
function schemaKeys(schema: z.ZodType | undefined): string[] {
  const inner = schema instanceof z.ZodPrefault ? schema.unwrap() : schema;
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

/** The home tenant's token of the route's role; public routes are called without one. */
const auth = (route: AnyRoute, w: World): { token?: string } => (route.access === 'public' ? {} : { token: w.home.tokens[route.access] });

const pathWith = (route: AnyRoute, id: string, rid: string) => route.path.replace(':id', id).replace(':rid', rid);
const homePath = (route: AnyRoute, w: World) => pathWith(route, route.resource ? w.ids[route.resource]! : NOWHERE, w.ids.rotation!);

function routeCases(route: AnyRoute, w: World): InputCase[] {
  const spec = BODY_SPECS[routeKey(route)];
  const cases = route.path.includes(':id') ? idCases(route, w, spec) : [];
  // A delete with a good id would remove a row the other cases use; bad ids are all it gets.
  if (route.method === 'delete') return cases;
  if (spec) cases.push(...bodyCases(route, w, spec));
  else if (route.method !== 'get') cases.push(...unexpectedBodyCases(route, w));
  if (route.method === 'get') cases.push(...queryCases(route, w));
  return cases;
}

function idCases(route: AnyRoute, w: World, spec: BodySpec | undefined): InputCase[] {
  // A valid body, so that the answer is about the id.
  const at = (id: string, rid = w.ids.rotation!): Omit<InputCase, 'expected'> => ({ method: route.method, path: pathWith(route, id, rid), ...auth(route, w), body: spec?.valid(w) });
  const resource = route.resource!;
  const cases: InputCase[] = [
    ...BAD_IDS.map(([id, expected]) => ({ ...at(id), expected })),
    { ...at(w.foreign[resource]!, w.foreign.rotation), expected: '404' },
    // A home id of another kind of row: a run id where an integration id is due, and so on.
    { ...at(resource === 'integration' ? w.ids.run! : w.ids.integration!), expected: '404' },
  ];
  if (route.path.includes(':rid')) {
    const home = w.ids.integration!;
    cases.push(
      ...BAD_IDS.map(([rid, expected]) => ({ ...at(home, rid), expected })),
      { ...at(home, w.foreign.rotation), expected: '404' },
      { ...at(w.ids.integration2!), expected: '404' }, // a home rotation under the wrong integration
      { ...at(w.foreign.integration!), expected: '404' },
    );
  }
  return cases;
}

function bodyCases(route: AnyRoute, w: World, spec: BodySpec): InputCase[] {
  const at = { method: route.method, path: homePath(route, w), ...auth(route, w) };
  const emptyIs: Expected = spec.emptyOk ? 'no 5xx' : '4xx';
  const first = Object.keys(spec.fields)[0]!;
  const validText = () => JSON.stringify(spec.valid(w));
  return [
    ...Object.entries(spec.fields).flatMap(([field, kind]) =>
      junkFor(kind).map((junk): InputCase => ({ ...at, body: withRawField(spec.valid(w), field, junk.raw), expected: mustRefuse(kind, junk) ? '4xx' : 'no 5xx' })),
    ),
    { ...at, body: { ...spec.valid(w), unknownField: 1 }, expected: '4xx' },
    { ...at, body: { ...spec.valid(w), constructor: 1 }, expected: '4xx' },
    { ...at, body: validText().replace(/^\{/, '{"__proto__":{"x":1},'), expected: '4xx' },
    // JSON.parse keeps the last of two equal keys; here it is the wrong one.
    { ...at, body: validText().replace(/^\{/, `{"${first}":1,`).replace(/\}$/, `,"${first}":12345}`), expected: '4xx' },
    { ...at, expected: emptyIs },
    { ...at, body: '  \n ', expected: emptyIs },
    { ...at, body: '{}', expected: emptyIs },
    ...RAW_BODIES.map(({ text, headers = {}, readAsEmpty }): InputCase => ({ ...at, body: text, headers, expected: readAsEmpty ? emptyIs : '4xx' })),
    // A valid body under the wrong content type may be taken or refused, but not fail.
    { ...at, body: validText(), headers: { 'content-type': 'text/plain' }, expected: 'no 5xx' },
    { ...at, body: validText(), headers: { 'content-type': '' }, expected: 'no 5xx' },
  ];
}

/** Routes without a body schema ignore whatever body comes. */
function unexpectedBodyCases(route: AnyRoute, w: World): InputCase[] {
  return RAW_BODIES.slice(0, 5).map(({ text }) => ({ method: route.method, path: homePath(route, w), ...auth(route, w), body: text, expected: 'no 5xx' }));
}

function queryCases(route: AnyRoute, w: World): InputCase[] {
  const paged = schemaKeys(route.query).includes('before');
  const queries = [...ANY_QUERY, ...(paged ? PAGING_QUERIES : []), ...(FILTER_QUERIES[routeKey(route)] ?? [])];
  return queries.map(([query, expected]) => ({ method: 'get', path: `${homePath(route, w)}?${query}`, ...auth(route, w), expected }));
}

// ---- cases beyond single routes ----

function crossTenantCases(w: World): InputCase[] {
  const admin = w.home.tokens.admin;
  const foreign = w.foreign.integration!;
  return [
    { method: 'post', path: '/api/routes', token: admin, body: { name: 'to-foreign', targetIntegrationId: foreign, action: 'record' }, expected: '4xx' },
    { method: 'post', path: '/api/routes', token: admin, body: { name: 'from-foreign', targetIntegrationId: w.ids.integration, action: 'record', filter: { sourceIntegrationId: foreign } }, expected: '4xx' },
    { method: 'patch', path: `/api/routes/${w.ids.route}`, token: admin, body: { targetIntegrationId: foreign }, expected: '4xx' },
    { method: 'patch', path: `/api/routes/${w.ids.route}`, token: admin, body: { filter: { sourceIntegrationId: foreign } }, expected: '4xx' },
    { method: 'post', path: '/api/slack/links', token: admin, body: { teamId: 'T0X', userId: 'U0X', userEmail: 'ops@other.example' }, expected: '4xx' },
    ...['runs', 'events', 'tasks'].map((list): InputCase => ({ method: 'get', path: `/api/${list}?integrationId=${foreign}`, token: w.home.tokens.viewer, expected: 'no 5xx', emptyList: list })),
  ];
}

/**
 * Values of the right JSON type at the edge of meaning: names of nothing real are refused before
 * anything is stored; far dates, huge numbers and long names may be taken, but never fail.
 */
function edgeValueCases(w: World): InputCase[] {
  const admin = w.home.tokens.admin;
  const target = w.ids.integration!;
  const second = w.ids.integration2!;
  const newIntegration = () => BODY_SPECS['POST /api/integrations']!.valid(w);
  const create = (body: unknown, expected: Expected = '4xx'): InputCase => ({ method: 'post', path: '/api/integrations', token: admin, body, expected });
  const createRoute = (body: unknown, expected: Expected = '4xx'): InputCase => ({ method: 'post', path: '/api/routes', token: admin, body, expected });
  const routeJson = (name: string, extra: string) => `{"name":"${name}","targetIntegrationId":"${target}","action":"record",${extra}}`;
  // Keys every JavaScript object has are no stream, connector, action or template field.
  const inheritedKeyCases = ['constructor', '__proto__', 'toString'].flatMap((key): InputCase[] => [
    create(withRawField(newIntegration(), 'schedules', `{"${key}":{"everySeconds":60}}`)),
    create({ ...newIntegration(), connector: key }),
    { method: 'patch', path: `/api/integrations/${second}`, token: admin, body: `{"schedules":{"${key}":{"enabled":false}}}`, expected: '4xx' },
    { method: 'post', path: `/api/integrations/${second}/sync`, token: w.home.tokens.operator, body: { stream: key }, expected: '4xx' },
    createRoute({ name: `action-${key}`, targetIntegrationId: target, action: key }),
    createRoute(routeJson(`template-${key}`, `"inputTemplate":{"${key}":"x"}`)),
    // A filter on an event field called toString is only a filter that matches nothing.
    createRoute(routeJson(`filter-${key}`, `"filter":{"fields":{"${key}":"x"}}`), key === 'toString' ? 'no 5xx' : '4xx'),
  ]);
  return [
    ...inheritedKeyCases,
    create(withRawField(newIntegration(), 'schedules', '{"items":{"everySeconds":1e309}}')),
    create({ ...newIntegration(), schedules: { items: { cron: '*/5 * * * *', tz: 'Mars/Olympus' } } }),
    // croner takes this cron, BullMQ's parser does not (over 256 values in a field).
    create({ ...newIntegration(), schedules: { items: { cron: '0-59/1 ' + '*,'.repeat(40) + '* * * *' } } }),
    create(withRawField(newIntegration(), 'config', '{"dataset":"input","pageSize":1e308}'), 'no 5xx'),
    create(withRawField(newIntegration(), 'config', '{"dataset":"input","pageSize":9223372036854775808}'), 'no 5xx'),
    { method: 'post', path: '/api/tokens', token: admin, body: { name: 'past', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' }, expected: '4xx' },
    { method: 'post', path: '/api/tokens', token: admin, body: { name: 'far', role: 'viewer', expiresAt: '9999-12-31T23:59:59.999Z' }, expected: 'no 5xx' },
    { method: 'patch', path: `/api/integrations/${second}`, token: admin, body: { credentialsExpiresAt: '0001-01-01T00:00:00Z' }, expected: 'no 5xx' },
    { method: 'post', path: `/api/integrations/${second}/credentials/rotate`, token: admin, body: { credentials: { auth: { type: 'bearer', token: 'input-rotated-token' } }, expiresAt: '0001-01-01T00:00:00Z' }, expected: 'no 5xx' },
    { method: 'post', path: '/api/slack/links', token: admin, body: { teamId: 'T0U', userId: 'U0U', userEmail: 'ops@hóme.example' }, expected: '4xx' },
    { method: 'post', path: '/api/slack/links', token: admin, body: { teamId: 'T0U', userId: 'U0U', userEmail: `${'a'.repeat(100_000)}@x.example` }, expected: '4xx' },
    { method: 'post', path: '/api/slack/links', token: admin, body: { teamId: 'T' + 'A'.repeat(100_000), userId: 'U0U', userEmail: 'ops@home.example' }, expected: 'no 5xx' },
    createRoute({ name: '😀'.repeat(100), targetIntegrationId: target, action: 'record' }, 'no 5xx'),
    createRoute(routeJson('priority', '"inputTemplate":{"message":"x","priority":1e309}')),
    createRoute({ name: 'any-type', targetIntegrationId: target, action: 'record', filter: { eventType: '*' } }, 'no 5xx'),
    createRoute({ name: 'object-value', targetIntegrationId: target, action: 'record', filter: { fields: { a: { b: 1 } } } }),
    createRoute({ name: 'empty-segment', targetIntegrationId: target, action: 'record', filter: { fields: { 'a..b': 1 } } }, 'no 5xx'),
  ];
}

function protocolCases(w: World): InputCase[] {
  const viewer = w.home.tokens.viewer;
  const withHeaders = (headers: Record<string, string>, expected: Expected = '4xx'): InputCase => ({ method: 'get', path: '/api/integrations', headers, expected });
  const unknownPaths = ['/api', '/api/', '/api/integrations/', '/api//integrations', '/API/INTEGRATIONS', '/api/integrations/a/b/c', '/api/%00', '/api/..%2F..%2Fetc%2Fpasswd', '/' + 'a/'.repeat(5000), '/api/tokens;x=1', '/api/tokens%3Fx=1'];
  return [
    withHeaders({ authorization: viewer }),
    withHeaders({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }),
    withHeaders({ authorization: 'Bearer ' }),
    withHeaders({ authorization: `Bearer hub_${'x'.repeat(100_000)}` }),
    withHeaders({ authorization: `Bearer ${viewer} ${w.other.tokens.viewer}` }),
    withHeaders({ authorization: 'Bearer hub_%00' }),
    withHeaders({ authorization: 'Bearer hub_\u00ff\u00fe' }),
    withHeaders({ authorization: `Bearer ${viewer}`, 'x-request-id': '../../etc/passwd' }, 'no 5xx'),
    withHeaders({ authorization: `Bearer ${viewer}`, 'x-request-id': 'a'.repeat(10_000) }, 'no 5xx'),
    withHeaders({ authorization: `Bearer ${viewer}`, 'content-length': '99999999' }, 'no 5xx'),
    // (TRACE and CONNECT cannot be built as a fetch Request.)
    ...['put', 'options', 'propfind'].map((method): InputCase => ({ method, path: '/api/integrations', token: w.home.tokens.admin, expected: '4xx' })),
    { method: 'head', path: '/api/integrations', token: w.home.tokens.admin, expected: 'no 5xx' },
    ...unknownPaths.map((path): InputCase => ({ method: 'get', path, token: w.home.tokens.admin, expected: 'no 5xx' })),
  ];
}

function webhookCases(w: World): InputCase[] {
  const hook = `/hooks/${w.ids.integration}`;
  return [
    ...BAD_IDS.map(([id]): InputCase => ({ method: 'post', path: `/hooks/${id}`, body: '{}', expected: '4xx' })),
    { method: 'post', path: hook, body: '{"type":"x","id":"1"}', expected: '4xx' }, // unsigned
    { method: 'post', path: hook, body: 'x'.repeat(1_100_000), headers: { 'x-testkit-signature': 'ab' }, expected: '4xx' },
    { method: 'post', path: hook, expected: '4xx' },
    { method: 'get', path: hook, expected: '4xx' },
    { method: 'get', path: '/metrics?x=%00', expected: 'no 5xx' },
  ];
}

// ---- the tests ----

describe.each(RUNTIME_MODES)('API input on $name', ({ options }) => {
  let w: World;
  let otherTenantBefore: Record<string, unknown[]>;

  beforeAll(async () => {
    w = await buildWorld(options);
    otherTenantBefore = await rowsOf(w.test, w.other);
  }, 120_000);
  afterAll(async () => {
    await w?.test.close();
  });

  it('has input cases for every route of the route table, and a spec for every body and query field', () => {
    const keys = routeTable.map(routeKey);
    expect(routeTable.filter((route) => routeCases(route, w).length === 0).map(routeKey)).toEqual([]);
    for (const route of routeTable.filter((r) => r.body)) {
      expect(Object.keys(BODY_SPECS[routeKey(route)]?.fields ?? {}).sort(), `fields of ${routeKey(route)}`).toEqual(schemaKeys(route.body).sort());
    }
    const filtered = routeTable.filter((route) => schemaKeys(route.query).some((key) => !['limit', 'before', 'beforeId'].includes(key)));
    expect(filtered.map(routeKey).filter((key) => !FILTER_QUERIES[key])).toEqual([]);
    // Specs of routes that are gone would test nothing.
    expect([...Object.keys(BODY_SPECS), ...Object.keys(FILTER_QUERIES)].filter((key) => !keys.includes(key))).toEqual([]);
  });

  for (const route of routeTable) {
    it(`${routeKey(route)}: refuses malformed input with a 4xx and leaks nothing`, async () => {
      expectNoFindings(await walk(w, routeCases(route, w)));
    });
  }

  it("refuses references to another tenant's rows in bodies and filters", async () => {
    expectNoFindings(await walk(w, crossTenantCases(w)));
  });

  it('refuses values of the right type that name nothing real', async () => {
    expectNoFindings(await walk(w, edgeValueCases(w)));
  });

  it('refuses bad authorization headers and unknown methods, and answers unknown paths', async () => {
    expectNoFindings(await walk(w, protocolCases(w)));
  });

  it('refuses webhooks for bad ids and without a valid signature', async () => {
    expectNoFindings(await walk(w, webhookCases(w)));
  });

  it("left the other tenant's rows alone and stored no schedule for a stream that does not exist", async () => {
    expect(await rowsOf(w.test, w.other)).toEqual(otherTenantBefore);
    const rows = await w.test.hub.db.selectFrom('integration_configs').select(['name', 'connector', 'schedules']).execute();
    const unknownStreams = rows.flatMap((row) => {
      const streams = Object.keys(w.test.hub.connectors.get(row.connector)?.streams ?? {});
      return Object.keys(row.schedules as object).filter((stream) => !streams.includes(stream)).map((stream) => `${row.name}: ${stream}`);
    });
    expect(unknownStreams).toEqual([]);
  });
});
