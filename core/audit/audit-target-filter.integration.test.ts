import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doc } from '../../test-support/openapi-contract.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';

// An operator following a runbook reads what happened to one integration, task or route:
// GET /api/audit?targetId=… (and targetType=…) gives that target's entries alone, newest first.

describe('the audit log of one target', () => {
  let test: TestHub;
  let tenant: TestTenant;
  let other: TestTenant;
  const integration = randomUUID();
  const task = randomUUID();

  beforeAll(async () => {
    test = await startTestHub({ label: 'audit_target' });
    tenant = await test.createTenant('acme');
    other = await test.createTenant('other');
    const entries: Array<[string, string, string, string]> = [
      [tenant.id, 'integration.created', 'integration', integration],
      [tenant.id, 'integration.updated', 'integration', integration],
      [tenant.id, 'task.acknowledged', 'task', task],
      // Another tenant's entry about the same id is not this tenant's history.
      [other.id, 'integration.deleted', 'integration', integration],
      // A different kind of target that happens to share the id.
      [tenant.id, 'route.created', 'route', integration],
    ];
    for (const [tenantId, action, targetType, targetId] of entries) {
      await sql`insert into audit_log (tenant_id, actor_type, actor_id, action, target_type, target_id)
        values (${tenantId}, 'token', 'x', ${action}, ${targetType}, ${targetId})`.execute(test.hub.db);
    }
  });
  afterAll(async () => {
    await test?.close();
  });

  async function actions(query: string): Promise<string[]> {
    const response = await test.request('get', `/api/audit?${query}`, { token: tenant.tokens.admin });
    expect(response.status).toBe(200);
    return (await response.json()).entries.map((entry: { action: string }) => entry.action);
  }

  it('lists only the entries about one target id, of this tenant', async () => {
    expect((await actions(`targetId=${integration}`)).sort()).toEqual(['integration.created', 'integration.updated', 'route.created']);
    expect(await actions(`targetId=${task}`)).toEqual(['task.acknowledged']);
  });

  it('narrows to one kind of target with targetType, alone or with targetId', async () => {
    expect((await actions(`targetId=${integration}&targetType=integration`)).sort()).toEqual(['integration.created', 'integration.updated']);
    expect(await actions('targetType=task&limit=100')).toEqual(['task.acknowledged']);
    expect(await actions(`targetId=${integration}&targetType=integration&action=integration.updated`)).toEqual(['integration.updated']);
  });

  it('refuses a target id that is not a UUID and a target type that is not a word', async () => {
    for (const [query, field] of [['targetId=TASK-42', 'query.targetId'], ['targetType=', 'query.targetType'], ["targetType=x'%20or%201=1", 'query.targetType']] as const) {
      const response = await test.request('get', `/api/audit?${query}`, { token: tenant.tokens.admin });
      expect(response.status, query).toBe(400);
      const body = await response.json();
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.fields.map((entry: { path: string }) => entry.path)).toEqual([field]);
    }
  });

  it('documents both filters in the OpenAPI document', () => {
    const names = (doc.paths['/api/audit']!['get']!.parameters as Array<{ name: string }>).map((parameter) => parameter.name);
    expect(names).toEqual(expect.arrayContaining(['targetId', 'targetType']));
  });
});
