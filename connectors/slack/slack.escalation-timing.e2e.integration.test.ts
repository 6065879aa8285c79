import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalateDueAlerts } from '../../core/tasks/task-alerts.service.ts';
import { sendDueDigests } from '../../core/tasks/digest.service.ts';
import type { FakeSlack } from '../../test-support/fake-slack/index.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { startSlackWorld, type SlackWorld } from './slack-world.testing.ts';

// Escalation steps and digests over time: an alert deleted in Slack is escalated no more, steps
// that all came due while nothing escalated go out as one, and a digest shows the tasks as they
// are when it is sent, once per period, also after a pause. (Embedded mode: the timing logic is
// the runtime's own, the same on both.)

describe('Slack escalation and digest timing (embedded)', () => {
  let world: SlackWorld;
  let test: TestHub;
  let tenant: TestTenant;
  let slack: FakeSlack;
  let slackIntegration: { id: string };

  beforeAll(async () => {
    world = await startSlackWorld({ database: 'pglite', queue: 'memory' });
    ({ test, tenant, slack, slackIntegration } = world);
  });
  afterAll(async () => {
    await world?.close();
  });

  async function configureSlack(extra: Record<string, unknown>) {
    const response = await test.request('patch', `/api/integrations/${slackIntegration.id}`, {
      token: tenant.tokens.admin,
      body: { config: { alertChannel: 'C0ALERTS', slackApiUrl: slack.apiUrl, ...extra } },
    });
    expect(response.status).toBe(200);
  }

  it('calls nobody about an alert deleted in Slack, and forgets it', async () => {
    await configureSlack({ escalation: { afterMinutes: [15, 60], mention: '<!subteam^S0OPS>' } });
    const task = await world.newFailingTask('SN deleted then escalated');
    const record = await waitFor('its alert record', async () => test.hub.db.selectFrom('task_alerts').selectAll().where('task_id', '=', task.id).executeTakeFirst());
    await world.alertRunsSettled();

    // Someone deletes the alert in Slack: from now on every chat.update of it answers message_not_found.
    const index = slack.messages.findIndex((m) => m.channel === record.channel && m.ts === record.ts);
    expect(index).toBeGreaterThanOrEqual(0);
    slack.messages.splice(index, 1);

    // Step 1 (15 min) is due: marking the alert escalated, the hub hears it is gone.
    await test.hub.db.updateTable('task_alerts').set({ posted_at: new Date(Date.now() - 20 * 60_000) }).where('id', '=', record.id).execute();
    expect(await escalateDueAlerts(test.hub)).toBe(1);
    await world.alertRunsSettled();
    const edits = slack.requests.filter((r) => r.method === 'chat.update' && r.body['ts'] === record.ts);
    expect(edits.map((r) => r.error)).toContain('message_not_found');

    expect(await test.hub.db.selectFrom('task_alerts').select('id').where('id', '=', record.id).executeTakeFirst()).toBeUndefined();

    // Forgotten: step 2 (60 min) finds nothing to escalate.
    await test.hub.db.updateTable('task_alerts').set({ posted_at: new Date(Date.now() - 70 * 60_000) }).where('id', '=', record.id).execute();
    await escalateDueAlerts(test.hub);
    await world.alertRunsSettled();
    const mentions = slack.messages.filter((m) => m.thread_ts === record.ts);
    expect(mentions, 'escalation mentions posted for the deleted alert').toEqual([]);
  });

  it('sends one digest for the period under way after a pause, showing the tasks as they are then', async () => {
    await configureSlack({ digest: { channel: 'C0DIGEST', frequency: 'daily', hourUtc: 0 } });
    const task = await world.newFailingTask('SN digest while paused');
    await world.alertRunsSettled();
    const realClock = test.hub.clock;
    const base = Date.now();
    const digestsSent = () => slack.messages.filter((m) => m.channel === 'C0DIGEST');
    try {
      // Today's digest goes out before the pause.
      await sendDueDigests(test.hub);
      await world.alertRunsSettled();
      expect((await test.request('post', `/api/integrations/${slackIntegration.id}/pause`, { token: tenant.tokens.operator })).status).toBe(200);
      // Three days pass while Slack is paused (the maintenance job asks every minute)...
      for (let day = 1; day <= 3; day++) {
        test.hub.clock = () => new Date(base + day * 24 * 3_600_000);
        expect(await sendDueDigests(test.hub)).toBe(0);
      }
      // ...and the task is resolved meanwhile.
      expect((await test.request('post', `/api/tasks/${task.id}/resolve`, { token: tenant.tokens.operator, body: { note: 'fixed' } })).status).toBe(200);
      const before = digestsSent().length;
      expect((await test.request('post', `/api/integrations/${slackIntegration.id}/resume`, { token: tenant.tokens.operator })).status).toBe(200);
      expect(await sendDueDigests(test.hub)).toBe(1);
      // It also carries the digest as queued, which a process of the previous version sends.
      const queued = await test.hub.db.selectFrom('integration_runs').select('input').where('integration_id', '=', slackIntegration.id).where('action', '=', 'task_alert.digest').orderBy('queued_at', 'desc').executeTakeFirstOrThrow();
      expect(queued.input).toMatchObject({ channel: 'C0DIGEST', period: 'daily', since: expect.any(String), digest: { period: 'daily', openTasks: expect.any(Array) } });
      await world.alertRunsSettled();
      const digests = digestsSent().slice(before);
      expect(digests).toHaveLength(1);
      expect(JSON.stringify(digests[0]!.blocks)).not.toContain(task.key);
    } finally {
      test.hub.clock = realClock;
    }
  });

  it('sends the steps that all came due while nothing escalated as one, saying how long the alert really waited', async () => {
    await configureSlack({ escalation: { afterMinutes: [15, 60], mention: '<!subteam^S0OPS>' } });
    const task = await world.newFailingTask('SN down two hours');
    const record = await waitFor('its alert record', async () => test.hub.db.selectFrom('task_alerts').selectAll().where('task_id', '=', task.id).executeTakeFirst());
    await world.alertRunsSettled();
    // The hub was down for two hours after posting: both steps (15 and 60 minutes) are overdue.
    await test.hub.db.updateTable('task_alerts').set({ posted_at: new Date(Date.now() - 120 * 60_000) }).where('id', '=', record.id).execute();
    // Two maintenance ticks, one minute apart in real life.
    await escalateDueAlerts(test.hub);
    await world.alertRunsSettled();
    await escalateDueAlerts(test.hub);
    await world.alertRunsSettled();
    const mentions = slack.messages.filter((m) => m.thread_ts === record.ts).map((m) => m.text);
    expect(mentions).toEqual([expect.stringContaining('still unacknowledged after 60 minutes')]);
  });
});
