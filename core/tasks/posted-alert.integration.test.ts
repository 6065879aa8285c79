import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { rememberPostedAlert } from './task-alerts.service.ts';

// Where an alert landed is saved after the post: a failure there must not fail the alert's run,
// whose retry would post the same alert again.

let test: TestHub;
let tenant: TestTenant;

beforeAll(async () => {
  test = await startTestHub({ label: 'posted-alert', database: 'postgres', connectors: [...connectors, testkit], workers: true });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
});

it('keeps a posted alert posted when saving where it landed fails', async () => {
  const dataset = `posted-${Math.random()}`;
  const integration = await createTestkitIntegration(test, tenant, dataset);
  testkitUpstream(dataset).failures.push({ code: 'permission_denied' });
  await syncAndWait(test, tenant, integration.id);
  const task = await test.hub.db.selectFrom('tasks').select('id').where('integration_id', '=', integration.id).executeTakeFirstOrThrow();
  const row = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', integration.id).executeTakeFirstOrThrow();

  await sql`create function refuse_task_alerts() returns trigger language plpgsql as $$ begin raise exception 'task_alerts refused'; end $$`.execute(test.hub.db);
  await sql`create trigger refuse_task_alerts before insert on task_alerts for each row execute function refuse_task_alerts()`.execute(test.hub.db);
  try {
    await expect(rememberPostedAlert(test.hub, row, { alert: { taskId: task.id }, escalation: null }, { channel: 'C1', ts: '1.1' })).resolves.toBeUndefined();
  } finally {
    await sql`drop trigger refuse_task_alerts on task_alerts`.execute(test.hub.db);
  }
  await rememberPostedAlert(test.hub, row, { alert: { taskId: task.id }, escalation: null }, { channel: 'C1', ts: '1.2' });
  const saved = await test.hub.db.selectFrom('task_alerts').select('ts').where('task_id', '=', task.id).execute();
  expect(saved.map((alert) => alert.ts)).toEqual(['1.2']);
});
