import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { recordFinalFailure } from './failure.service.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { RunRow } from '../db/database.types.ts';

// recordFinalFailure checks whether the run's route was withdrawn, then opens the task in another
// statement. A route deleted in between (whose own withdrawal finds no task to take the action off
// yet) must not leave a task listing the deleted route's action, which no success could settle.

describe.each(RUNTIME_MODES.slice(0, 1))('route deleted while its failed action records its task, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'route-race', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('opens no task for the action of a route deleted while the failure was being recorded', async () => {
    const source = await createTestkitIntegration(test, tenant, `src-${Math.random()}`);
    const target = await createTestkitIntegration(test, tenant, `dst-${Math.random()}`);
    const created = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: `r-${Math.random().toString(36).slice(2)}`, filter: { sourceIntegrationId: source.id }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: 'x' } },
    });
    expect(created.status).toBe(201);
    const route = await created.json();
    const integration = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', target.id).executeTakeFirstOrThrow();
    const run = await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: tenant.id, integration_id: target.id, kind: 'action', trigger: 'route', action: 'record', route_id: route.id, idempotency_key: `k-${Math.random()}`, status: 'running', attempts: 1 })
      .returningAll()
      .executeTakeFirstOrThrow();

    // The admin deletes the route right after recordFinalFailure read it (the interleaving of two processes).
    let deleted = false;
    const wrap = (value: any): any =>
      new Proxy(value, {
        get(target, prop, receiver) {
          const original = Reflect.get(target, prop, receiver);
          if (typeof original !== 'function') return original;
          if (prop === 'executeTakeFirst') {
            return async (...args: unknown[]) => {
              const result = await original.apply(target, args);
              if (!deleted && result && 'target_integration_id' in result) {
                deleted = true;
                expect((await test.request('delete', `/api/routes/${route.id}`, { token: tenant.tokens.admin })).status).toBe(204);
              }
              return result;
            };
          }
          return (...args: unknown[]) => {
            const out = original.apply(target, args);
            return out && typeof out === 'object' && !(out instanceof Promise) ? wrap(out) : out;
          };
        },
      });
    // The hub, with its reads going through `wrap`.
    const racedDb = new Proxy(test.hub.db, {
      get: (target, prop) => {
        if (prop === 'selectFrom') return (...args: [any]) => wrap(target.selectFrom(...args));
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const racedHub = { ...test.hub, db: racedDb } as HubContext;

    await recordFinalFailure(racedHub, integration, run as RunRow, { code: 'config_invalid', message: 'bad input', transient: false });
    expect(deleted).toBe(true);

    const open = await test.hub.db.selectFrom('tasks').selectAll().where('integration_id', '=', target.id).where('status', '<>', 'resolved').execute();
    expect(open.map((t) => ({ code: t.code, failing: t.failing_operations }))).toEqual([]);
  });
});
