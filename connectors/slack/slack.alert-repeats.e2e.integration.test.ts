import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { startSlackWorld, type SlackWorld } from './slack-world.testing.ts';
import { openOrUpdateTask } from '../../core/tasks/task.service.ts';

// The alert shows the task's occurrences and last error, which every repeat of the failure changes:
// each repeat redraws it (the Slack README: "The message always ends up showing the task as it is
// now"), rather than leaving "1 occurrence" until someone acknowledges the task.

describe.each(RUNTIME_MODES)('alert of a repeating failure on $name', ({ options }) => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld(options);
  });
  afterAll(async () => {
    await world?.close();
  });

  async function failOnce() {
    const { test, tenant, failing } = world;
    const { runs } = await (await test.request('post', `/api/integrations/${failing.id}/sync`, { token: tenant.tokens.operator, body: { stream: 'incident' } })).json();
    await waitFor('the failing run', async () => (await test.hub.db.selectFrom('integration_runs').select('status').where('id', '=', runs[0].id).executeTakeFirstOrThrow()).status === 'failed');
  }

  it('shows the occurrences of the task as they are now', async () => {
    const { test, tenant, slack, failing } = world;
    await failOnce();
    const posted = await waitFor('the alert', async () => slack.messages.find((m) => m.channel === 'C0ALERTS' && !m.thread_ts));
    // Wait until the hub has remembered where the alert landed, so later changes can find it.
    await waitFor('the alert remembered', async () => (await test.hub.db.selectFrom('task_alerts').select('id').executeTakeFirst()) ?? undefined);
    await failOnce();
    await failOnce();
    const task = (await (await test.request('get', `/api/tasks?integrationId=${failing.id}`, { token: tenant.tokens.viewer })).json()).tasks[0];
    expect(task.occurrences).toBe(3);
    const occurrencesShown = () => /\d+ occurrences?/.exec(JSON.stringify(slack.latest('C0ALERTS', posted.ts)?.blocks) ?? '')?.[0];
    await waitFor('the alert redrawn with 3 occurrences', async () => occurrencesShown() === '3 occurrences');
  });

  it('a failing update of a Slack task\'s own alert counts once and redraws nothing, rather than feeding itself', async () => {
    const { test, tenant, slack, slackIntegration } = world;
    const failure = { tenantId: tenant.id, integrationId: slackIntegration.id, integrationName: 'Slack', code: 'permission_denied', message: 'chat.postMessage answered not_in_channel', operation: 'action:post_message' };
    const { task } = await openOrUpdateTask(test.hub, failure);
    const alert = await waitFor('the alert remembered', async () => (await test.hub.db.selectFrom('task_alerts').select('id').where('task_id', '=', task.id).executeTakeFirst()) ?? undefined);
    // The bot is removed from the alert channel: its updates fail with the task's own code.
    slack.failNext('chat.update', 1, { error: 'not_in_channel' });
    await openOrUpdateTask(test.hub, failure);
    const updates = () => test.hub.db.selectFrom('integration_runs').select(['id', 'status']).where('integration_id', '=', slackIntegration.id).where('trigger', '=', 'task').where('idempotency_key', 'like', `task-alert-update:${alert.id}:%`).execute();
    await waitFor('the alert update to fail', async () => (await updates()).some((run) => run.status === 'failed'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Two repeats and the update's own failure; one update run, not one per failure since.
    const after = await test.hub.db.selectFrom('tasks').select('occurrences').where('id', '=', task.id).executeTakeFirstOrThrow();
    expect(after.occurrences).toBe(3);
    expect(await updates()).toHaveLength(1);
  });

  it('queues one update of an alert for repeats that come while one is still queued, which then draws the last of them', async () => {
    const { test, tenant, slack, failing, slackIntegration } = world;
    const failure = { tenantId: tenant.id, integrationId: failing.id, integrationName: 'SN failing', code: 'rate_limited', message: 'GET /api/now/table/incident answered 429', operation: 'poll:incident' };
    const { task } = await openOrUpdateTask(test.hub, failure);
    const alert = await waitFor('the alert remembered', async () => (await test.hub.db.selectFrom('task_alerts').select(['id', 'ts']).where('task_id', '=', task.id).executeTakeFirst()) ?? undefined);
    // Slack paused: what the hub sends it waits, so the first update stays queued.
    expect((await test.request('post', `/api/integrations/${slackIntegration.id}/pause`, { token: tenant.tokens.operator })).status).toBe(200);
    for (let repeat = 0; repeat < 3; repeat++) await openOrUpdateTask(test.hub, failure);
    const updates = await test.hub.db.selectFrom('integration_runs').select('status').where('idempotency_key', 'like', `task-alert-update:${alert.id}:%`).execute();
    expect(updates).toEqual([{ status: 'queued' }]);
    expect((await test.request('post', `/api/integrations/${slackIntegration.id}/resume`, { token: tenant.tokens.operator })).status).toBe(200);
    const occurrencesShown = () => /\d+ occurrences?/.exec(JSON.stringify(slack.latest('C0ALERTS', alert.ts)?.blocks) ?? '')?.[0];
    await waitFor('the alert redrawn with all 4 occurrences', async () => occurrencesShown() === '4 occurrences');
  });
});
