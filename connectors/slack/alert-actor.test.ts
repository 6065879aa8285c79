import { afterEach, describe, expect, it } from 'vitest';
import { chatActorLabel } from '../sdk/chat-actor-label.ts';
import type { TaskAlert } from '../sdk/task-alerts.types.ts';
import { mrkdwnTexts } from './mrkdwn-texts.testing.ts';
import { slackTaskAlerts } from './task-alerts.ts';
import { fakeSlackContext, type Closers } from './test-context.testing.ts';

// Alerts and digests are read by the whole channel, Slack Connect guests included. Who acknowledged
// or resolved a task is named there by a Slack mention when they did it from Slack, and never by
// the hub user's email, which the task's own history keeps.

const closers: Closers = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const olivia = chatActorLabel({ platform: 'slack', teamId: 'T0001', userId: 'U0OPS', userName: 'olivia' }, 'ops@acme.example');

const alert: TaskAlert = {
  taskId: '6f1c0d1e-8a55-4f7b-9b0a-6e1d2c3b4a59',
  key: 'TASK-7',
  title: 'SN prod: Credentials rejected',
  status: 'acknowledged',
  code: 'auth_invalid',
  severity: 'high',
  integrationId: '0b7c2f4e-1d3a-4e5b-8c6d-7e8f9a0b1c2d',
  integrationName: 'SN prod',
  environment: 'production',
  occurrences: 1,
  lastError: null,
  runbookUrl: 'https://hub.example/admin/runbooks/auth_invalid',
  acknowledgedBy: olivia,
  resolvedBy: null,
};

async function posted(input: TaskAlert) {
  const { fake, test } = await fakeSlackContext(closers);
  await slackTaskAlerts.post(test.ctx, input, 'C0ALERTS');
  return JSON.stringify(mrkdwnTexts(fake.messages.at(-1)!));
}

describe('who acted on a task, as a channel reads it', () => {
  it('the task keeps the name, the Slack member and the hub user\'s email', () => {
    expect(olivia).toBe('slack:U0OPS olivia (ops@acme.example)');
  });

  it('an alert acknowledged or resolved from Slack mentions the Slack member and shows no email', async () => {
    for (const input of [alert, { ...alert, status: 'resolved' as const, resolvedBy: olivia }]) {
      const texts = await posted(input);
      expect(texts).toContain('by <@U0OPS>');
      expect(texts).not.toContain('acme.example');
    }
  });

  it('a task acknowledged before the member id was kept, or in the admin UI, shows the name without the email', async () => {
    expect(await posted({ ...alert, acknowledgedBy: 'slack:olivia (ops@acme.example)' })).toContain('*Acknowledged* by slack:olivia ·');
    const fromAdminUi = await posted({ ...alert, acknowledgedBy: 'user:ann@acme.example' });
    expect(fromAdminUi).toContain('*Acknowledged* by user:ann ·');
    expect(fromAdminUi).not.toContain('acme.example');
  });

  it('a digest lists acknowledged tasks by mention, without emails', async () => {
    const { fake, test } = await fakeSlackContext(closers);
    await slackTaskAlerts.sendDigest(test.ctx, 'C0DIGEST', {
      period: 'daily',
      since: '2024-05-01T00:00:00Z',
      openTasks: [],
      acknowledgedTasks: [alert, { ...alert, key: 'TASK-8', acknowledgedBy: 'user:ann@acme.example' }],
      failuresSince: [],
      integrations: [],
      expiringCredentials: [],
    });
    const texts = JSON.stringify(mrkdwnTexts(fake.messages.at(-1)!));
    expect(texts).toContain('TASK-7 SN prod: Credentials rejected — <@U0OPS>');
    expect(texts).toContain('TASK-8 SN prod: Credentials rejected — user:ann');
    expect(texts).not.toContain('acme.example');
  });
});
