import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { currentTask, redrawIfChanged } from './task-alert.drawing.ts';
import { storeTaskChangedAlerts } from './task-alerts.service.ts';

// After a message that must not be sent twice (a post, an escalation), the task is read again and
// its alert redrawn if it changed since the drawing. Two changes within one millisecond share an
// updated_at as a JavaScript Date shows it (the hub's clock stamps milliseconds, PostgreSQL keeps
// microseconds): the second must still count as a change. Not a race, so no second connection:
// the change is written between the drawing and the look, as a concurrent one would land.

let test: TestHub;
let tenant: TestTenant;
let integration: IntegrationConfigRow;

beforeAll(async () => {
  // No workers: the redraw a look queues stays queued, for the test to find.
  test = await startTestHub({ label: 'task-version', database: 'postgres', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('acme');
  const created = await createTestkitIntegration(test, tenant, `version-${Math.random()}`);
  integration = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
});
afterAll(async () => {
  await test?.close();
});

let numbers = 0;

/** An open task last changed at `updatedAt` (an ISO instant with microseconds). */
async function openTask(updatedAt: string): Promise<string> {
  numbers += 1;
  const task = await test.hub.db
    .insertInto('tasks')
    .values({
      tenant_id: tenant.id, number: numbers, integration_id: integration.id, code: `code_${numbers}`, runbook: 'auth_invalid',
      title: 'Credentials rejected', severity: 'high', status: 'open', last_error: '401', updated_at: sql<Date>`${updatedAt}::timestamptz`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return task.id;
}

/** Draws the task, lets `change` land, then looks again as the sender does: whether a redraw was queued. */
async function redrawnAfter(change: (taskId: string) => Promise<unknown>): Promise<boolean> {
  const taskId = await openTask('2026-03-02T10:00:00.123400Z');
  const drawn = (await currentTask(test.hub, integration, taskId))!;
  await change(taskId);
  const run = { id: crypto.randomUUID() };
  await redrawIfChanged(test.hub, integration, run, drawn, { channel: 'C1', ts: `${numbers}.0` });
  const redraw = await test.hub.db.selectFrom('integration_runs').select('input').where('idempotency_key', '=', `task-alert-redraw:${run.id}`).executeTakeFirst();
  if (redraw) expect(redraw.input).toMatchObject({ taskId, ref: { channel: 'C1' } });
  return redraw !== undefined;
}

function changed(taskId: string, set: Record<string, RawBuilder<unknown> | string | number>) {
  return test.hub.db.updateTable('tasks').set(set).where('id', '=', taskId).execute();
}

const sameInstant = sql<Date>`'2026-03-02T10:00:00.123400Z'::timestamptz`;

it('redraws after a repeat of the failure stamped the same instant as the drawing', async () => {
  expect(await redrawnAfter((id) => changed(id, { occurrences: sql`occurrences + 1`, last_error: '401 again', updated_at: sameInstant }))).toBe(true);
});

it('redraws after an acknowledgement stamped the same instant as the drawing', async () => {
  expect(await redrawnAfter((id) => changed(id, { status: 'acknowledged', acknowledged_by: 'olivia', updated_at: sameInstant }))).toBe(true);
});

it('redraws after a change within the same millisecond, which only the microseconds tell', async () => {
  expect(await redrawnAfter((id) => changed(id, { updated_at: sql`'2026-03-02T10:00:00.123700Z'::timestamptz` }))).toBe(true);
});

it('does not redraw a task unchanged since the drawing', async () => {
  expect(await redrawnAfter(async () => undefined)).toBe(false);
});

it('queues an update for each of two repeats stamped the same instant, the first update already drawing', async () => {
  const taskId = await openTask('2026-03-02T10:00:00.123400Z');
  const alert = await test.hub.db
    .insertInto('task_alerts')
    .values({ tenant_id: tenant.id, task_id: taskId, integration_id: integration.id, channel: 'C1', ts: `${numbers}.9` })
    .returning('id')
    .executeTakeFirstOrThrow();
  /** A repeat of the failure at the same instant, queueing its alert's update as openOrUpdateTask does. */
  const repeat = () =>
    test.hub.db.transaction().execute(async (trx) => {
      const row = await trx.updateTable('tasks').set({ occurrences: sql`occurrences + 1`, updated_at: sameInstant }).where('id', '=', taskId).returningAll().executeTakeFirstOrThrow();
      return storeTaskChangedAlerts(trx, row, { coalesce: true });
    });
  expect(await repeat()).toHaveLength(1);
  // Taken by a worker: it may have drawn the task before the next repeat commits.
  await test.hub.db.updateTable('integration_runs').set({ status: 'running' }).where('idempotency_key', 'like', `task-alert-update:${alert.id}:%`).execute();
  expect(await repeat()).toHaveLength(1);
});
