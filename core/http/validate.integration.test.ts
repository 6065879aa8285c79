import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { nextTaskNumber } from '../tasks/task.repository.ts';
import { MAX_INPUT_DEPTH } from './storable-input.ts';

// Input PostgreSQL cannot store (a NUL character anywhere) or that no code should walk (JSON
// nested thousands deep) is refused for every route before its handler runs: 400 naming the
// field, and nothing written.

let test: TestHub;
let tenant: TestTenant;

beforeAll(async () => {
  test = await startTestHub({ label: 'validate', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
});

async function expectRefused(response: Response, path: string, message = 'NUL') {
  const text = await response.text();
  expect(response.status, text).toBe(400);
  const { error } = JSON.parse(text);
  expect(error.code).toBe('validation_failed');
  expect(error.fields).toContainEqual({ path, message: expect.stringContaining(message) });
}

const count = async (table: 'integration_configs' | 'routes' | 'api_tokens' | 'task_history') =>
  Number((await test.hub.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('request input PostgreSQL cannot store', () => {
  it.each([
    ['/api/runs?stream=a%00', 'query.stream'],
    ['/api/events?type=a%00*', 'query.type'],
    ['/api/audit?action=%00', 'query.action'],
    ['/api/integrations?connector=%00', 'query.connector'],
    ['/api/tasks?status=open%00', 'query.status'],
  ])('GET %s answers 400 on %s', async (url, path) => {
    await expectRefused(await test.request('get', url, { token: tenant.tokens.admin }), path);
  });

  it('refuses a NUL in a path parameter', async () => {
    await expectRefused(await test.request('get', '/api/integrations/a%00b', { token: tenant.tokens.viewer }), 'params.id');
  });

  it('refuses a NUL in token and integration names and writes nothing', async () => {
    const [tokens, integrations] = [await count('api_tokens'), await count('integration_configs')];
    await expectRefused(await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: { name: 'a\u0000', role: 'viewer' } }), 'body.name');
    await expectRefused(
      await test.request('post', '/api/integrations', {
        token: tenant.tokens.admin,
        body: { connector: 'testkit', name: 'kit\u0000', config: { dataset: 'd' }, schedules: { items: { enabled: false } } },
      }),
      'body.name',
    );
    expect([await count('api_tokens'), await count('integration_configs')]).toEqual([tokens, integrations]);
  });

  it('refuses a NUL deep inside config, in a key or a value, on create and on PATCH', async () => {
    const before = await count('integration_configs');
    await expectRefused(
      await test.request('post', '/api/integrations', {
        token: tenant.tokens.admin,
        body: { connector: 'testkit', name: 'kit-nested', config: { dataset: 'd', extra: [{ note: 'x\u0000' }] } },
      }),
      'body.config.extra.0.note',
    );
    expect(await count('integration_configs')).toBe(before);

    const kit = await createTestkitIntegration(test, tenant, 'nul-patch');
    await expectRefused(await test.request('patch', `/api/integrations/${kit.id}`, { token: tenant.tokens.admin, body: { name: 'n\u0000' } }), 'body.name');
    await expectRefused(
      await test.request('patch', `/api/integrations/${kit.id}`, { token: tenant.tokens.admin, body: { config: { dataset: 'd', ['k\u0000']: 1 } } }),
      'body.config.k\\u0000',
    );
    const stored = await (await test.request('get', `/api/integrations/${kit.id}`, { token: tenant.tokens.viewer })).json();
    expect([stored.name, stored.config]).toEqual([kit.name, kit.config]);
  });

  it('refuses a NUL in a route name or input template', async () => {
    const kit = await createTestkitIntegration(test, tenant, 'nul-route');
    const before = await count('routes');
    await expectRefused(
      await test.request('post', '/api/routes', { token: tenant.tokens.admin, body: { name: 'r\u0000', targetIntegrationId: kit.id, action: 'record' } }),
      'body.name',
    );
    await expectRefused(
      await test.request('post', '/api/routes', {
        token: tenant.tokens.admin,
        body: { name: 'r', targetIntegrationId: kit.id, action: 'record', inputTemplate: { message: { text: '{{event.type}}\u0000' } } },
      }),
      'body.inputTemplate.message.text',
    );
    expect(await count('routes')).toBe(before);
  });

  // JSON can escape half of a surrogate pair ("\ud800"), which parses to a string that is not text:
  // jsonb refuses it, which was a 500 after the route's checks had passed.
  describe('a lone UTF-16 surrogate', () => {
    const raw = (method: 'post' | 'patch', path: string, body: string) => test.request(method, path, { token: tenant.tokens.admin, body });

    it('in a route template or filter value is refused on create, naming the field, and nothing is written', async () => {
      const kit = await createTestkitIntegration(test, tenant, 'surrogate-route');
      const before = await count('routes');
      await expectRefused(
        await raw('post', '/api/routes', `{"name":"r","targetIntegrationId":"${kit.id}","action":"record","inputTemplate":{"message":"bad \\ud800 text"}}`),
        'body.inputTemplate.message',
        'lone UTF-16 surrogate',
      );
      await expectRefused(
        await raw('post', '/api/routes', `{"name":"r","targetIntegrationId":"${kit.id}","action":"record","filter":{"fields":{"title":"\\udc00"}}}`),
        'body.filter.fields.title',
        'lone UTF-16 surrogate',
      );
      expect(await count('routes')).toBe(before);
    });

    it('in a key is refused, the key escaped in the path', async () => {
      const kit = await createTestkitIntegration(test, tenant, 'surrogate-key');
      await expectRefused(
        await raw('post', '/api/routes', `{"name":"r","targetIntegrationId":"${kit.id}","action":"record","filter":{"fields":{"t\\ud800":"x"}}}`),
        'body.filter.fields.t\\ud800',
        'a key must not contain a lone UTF-16 surrogate',
      );
    });

    it('in a route template is refused on PATCH and the route is left as it was', async () => {
      const kit = await createTestkitIntegration(test, tenant, 'surrogate-patch');
      const created = await test.request('post', '/api/routes', { token: tenant.tokens.admin, body: { name: 'ok', targetIntegrationId: kit.id, action: 'record', inputTemplate: { message: 'fine' } } });
      expect(created.status).toBe(201);
      const { id } = await created.json();
      await expectRefused(await raw('patch', `/api/routes/${id}`, `{"inputTemplate":{"message":"\\ud83d"}}`), 'body.inputTemplate.message', 'lone UTF-16 surrogate');
      expect((await (await test.request('get', `/api/routes/${id}`, { token: tenant.tokens.viewer })).json()).inputTemplate).toEqual({ message: 'fine' });
    });
  });

  it('refuses a NUL in a task note and leaves the task open without history', async () => {
    const task = await test.hub.db
      .insertInto('tasks')
      .values({ tenant_id: tenant.id, number: await nextTaskNumber(test.hub.db, tenant.id), integration_id: null, code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', title: 't', severity: 'high', status: 'open' })
      .returningAll()
      .executeTakeFirstOrThrow();
    await expectRefused(await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: { note: 'bad\u0000note' } }), 'body.note');
    const after = await (await test.request('get', `/api/tasks/${task.id}`, { token: tenant.tokens.viewer })).json();
    expect([after.status, after.history]).toEqual(['open', []]);
  });
});

describe('deeply nested request bodies', () => {
  it.each([MAX_INPUT_DEPTH, 20_000, 200_000])('refuses an input template nested %i levels with 400 and writes nothing', async (depth) => {
    const kit = await createTestkitIntegration(test, tenant, `deep-${depth}`);
    const before = await count('routes');
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const response = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: `{"name":"deep","targetIntegrationId":"${kit.id}","action":"record","inputTemplate":{"x":${deep}}}`,
    });
    await expectRefused(response, 'body.inputTemplate', `nests deeper than ${MAX_INPUT_DEPTH} levels`);
    expect(await count('routes')).toBe(before);
  });

  it('accepts an ordinary nested template', async () => {
    const kit = await createTestkitIntegration(test, tenant, 'shallow');
    const response = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      // Fields the action takes; a value holding a placeholder is left to the event to fill.
      body: { name: 'shallow', targetIntegrationId: kit.id, action: 'record', inputTemplate: { message: '{{event.type}}', priority: { a: [{ b: { c: '{{event.payload.n}}' } }] } } },
    });
    expect(response.status).toBe(201);
  });
});
