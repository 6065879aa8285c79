import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { escalateDueAlerts } from './task-alerts.service.ts';

// Escalation plans are saved with increasing steps; one stored out of order before route plans were
// checked still escalates step by step from the post, not by its position in the list.

describe('an escalation plan stored out of order', () => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'escalation_order', database: 'pglite', queue: 'memory' });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('escalates its earliest step first, saying the wait it stands for', async () => {
    const db = test.hub.db;
    const integration = await db.insertInto('integration_configs').values({ tenant_id: tenant.id, connector: 'slack', name: 'slack', environment: 'production' } as never).returning('id').executeTakeFirstOrThrow();
    const task = await db.insertInto('tasks').values({ tenant_id: tenant.id, number: 1, integration_id: integration.id, code: 'auth_failed', runbook: 'x', title: 't', severity: 'high', status: 'open', updated_at: test.hub.clock() } as never).returning('id').executeTakeFirstOrThrow();
    const postedAt = new Date(test.hub.clock().getTime() - 11 * 60_000);
    await db.insertInto('task_alerts').values({ tenant_id: tenant.id, task_id: task.id, integration_id: integration.id, channel: 'C123', ts: '1.2', escalation: JSON.stringify({ afterMinutes: [30, 10] }), posted_at: postedAt }).execute();
    // Waited 11 minutes: the 10-minute step is due, the 30-minute one not yet.
    expect(await escalateDueAlerts(test.hub)).toBe(1);
    const run = await db.selectFrom('integration_runs').select('input').where('integration_id', '=', integration.id).executeTakeFirstOrThrow();
    expect(run.input).toMatchObject({ step: { afterMinutes: 10 } });
    expect(await escalateDueAlerts(test.hub)).toBe(0);
  });
});
