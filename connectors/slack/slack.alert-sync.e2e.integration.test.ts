import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalateDueAlerts } from '../../core/tasks/task-alerts.service.ts';
import type { FakeSlack } from '../../test-support/fake-slack/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { startSlackWorld, type SlackWorld } from './slack-world.testing.ts';

describe.each(RUNTIME_MODES)('Slack alerts on $name', ({ options }) => {
  let world: SlackWorld;
  let test: TestHub;
  let tenant: TestTenant;
  let slack: FakeSlack;
  let slackIntegration: { id: string };

  beforeAll(async () => {
    world = await startSlackWorld(options);
    ({ test, tenant, slack, slackIntegration } = world);
  });
  afterAll(async () => {
    await world?.close();
  });

  // An alert run may wait out Slack's 429 and runs finish in any order: whatever happened to the
  // task meanwhile, the alert ends up showing the task as it is.
  describe('alerts kept in step with their task', () => {
    const alertOf = (key: string) => waitFor('the alert', async () => slack.messages.find((m) => m.channel === 'C0ALERTS' && !m.thread_ts && JSON.stringify(m.blocks).includes(key)), 20_000);
    const alertRecord = (taskId: string) => waitFor('its record', async () => test.hub.db.selectFrom('task_alerts').selectAll().where('task_id', '=', taskId).executeTakeFirst());
    const shown = (posted: { channel: string; ts: string }) => JSON.stringify(slack.latest(posted.channel, posted.ts)!.blocks);

    it('shows a task acknowledged while its alert waited out a 429, once posted', async () => {
      slack.failNext('chat.postMessage', 1, { status: 429, retryAfter: 2 });
      const task = await world.newFailingTask('SN stale post');
      await waitFor('the 429', async () => slack.requests.find((r) => r.method === 'chat.postMessage' && r.status === 429));
      expect((await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: {} })).status).toBe(200);
      const posted = await alertOf(task.key);
      await world.alertRunsSettled();
      expect(shown(posted)).toContain('Acknowledged');
      expect(shown(posted)).not.toContain('task_ack');
    });

    it('shows the last change when an older update waited out a 429 and landed after a newer one', async () => {
      const task = await world.newFailingTask('SN out of order');
      const posted = await alertOf(task.key);
      await alertRecord(task.id);
      slack.failNext('chat.update', 1, { status: 429, retryAfter: 3 });
      expect((await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: {} })).status).toBe(200);
      await waitFor('the 429 on update', async () => slack.requests.find((r) => r.method === 'chat.update' && r.status === 429));
      expect((await test.request('post', `/api/tasks/${task.id}/resolve`, { token: tenant.tokens.operator, body: {} })).status).toBe(200);
      await world.alertRunsSettled();
      expect(shown(posted)).toContain('Resolved');
    });

    it('stops updating an alert deleted in Slack: the update succeeds with nothing to update, opens no task, and is not tried again', async () => {
      const task = await world.newFailingTask('SN deleted alert');
      const posted = await alertOf(task.key);
      const record = await alertRecord(task.id);
      await world.alertRunsSettled();
      const updatesOf = () => slack.requests.filter((r) => r.method === 'chat.update' && r.body['ts'] === posted.ts);
      const before = updatesOf().length;
      // Someone deleted the message in Slack: Slack answers its next chat.update with message_not_found.
      slack.failNext('chat.update', 1, { error: 'message_not_found' });
      expect((await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: {} })).status).toBe(200);
      await world.alertRunsSettled();
      expect(updatesOf().slice(before).map((r) => r.error)).toEqual(['message_not_found']);
      const run = await test.hub.db
        .selectFrom('integration_runs')
        .selectAll()
        .where('integration_id', '=', slackIntegration.id)
        .where('idempotency_key', 'like', `task-alert-update:${record.id}:%`)
        .executeTakeFirstOrThrow();
      expect(run).toMatchObject({ status: 'succeeded', error_code: null, result: expect.objectContaining({ skipped: 'the alert message no longer exists' }) });
      const slackTasks = await test.hub.db.selectFrom('tasks').select('code').where('integration_id', '=', slackIntegration.id).where('code', '=', 'config_invalid').execute();
      expect(slackTasks).toEqual([]);

      // The reference is dropped: resolving the task does not try the deleted message again.
      expect(await test.hub.db.selectFrom('task_alerts').selectAll().where('task_id', '=', task.id).execute()).toEqual([]);
      expect((await test.request('post', `/api/tasks/${task.id}/resolve`, { token: tenant.tokens.operator, body: {} })).status).toBe(200);
      await world.alertRunsSettled();
      expect(updatesOf()).toHaveLength(before + 1);
    });

    it('drops an escalation delayed past an acknowledgement: no mention, and the alert stays acknowledged', async () => {
      const task = await world.newFailingTask('SN late escalation');
      const posted = await alertOf(task.key);
      await alertRecord(task.id);
      // Posted 20 minutes ago with a 15-minute step (the digest test above took escalation out of the config).
      const plan = JSON.stringify({ afterMinutes: [15], mention: '<!subteam^S0OPS>' });
      await test.hub.db.updateTable('task_alerts').set({ posted_at: new Date(Date.now() - 20 * 60_000), escalation: plan }).where('task_id', '=', task.id).execute();
      // Long enough for the acknowledgement below to commit first, on a busy machine too.
      slack.failNext('chat.postMessage', 1, { status: 429, retryAfter: 4 });
      expect(await escalateDueAlerts(test.hub)).toBe(1);
      await waitFor('the 429', async () => slack.requests.find((r) => r.method === 'chat.postMessage' && r.status === 429 && r.body['thread_ts'] === posted.ts));
      expect((await test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: {} })).status).toBe(200);
      await world.alertRunsSettled();
      expect(slack.messages.filter((m) => m.thread_ts === posted.ts)).toEqual([]);
      expect(shown(posted)).toContain('Acknowledged');
    });
  });
});
