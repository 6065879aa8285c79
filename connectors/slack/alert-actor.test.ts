import { afterEach, describe, expect, it } from 'vitest';
import { chatActorLabel } from '../sdk/chat-actor-label.ts';
import type { TaskAlert } from '../sdk/task-alerts.types.ts';
import { mrkdwnTexts } from './mrkdwn-texts.testing.ts';
import { slackTaskAlerts } from './task-alerts.ts';
import { fakeSlackContext, type Closers } from './test-context.testing.ts';

// Alerts and digests are read by the whole channel, Slack Connect guests included. Who acknowledged
// or resolved a task is named there by a Slack mention when they did it from Slack, and never by
// the hub user's email, which the task's own history keeps. A mention resolves only in the
// workspace of the member it names: an alert posted by a Slack integration of another workspace
// (auth.test's team_id) names them by name instead.

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

/** What the alert posted by an integration of workspace `teamId` (the fake's default, T0001) says. */
let channels = 0;
async function posted(input: TaskAlert, teamId?: string) {
  const { fake, test } = await fakeSlackContext(closers, teamId ? { teamId } : {});
  // A channel of its own: posts to one channel are paced a second apart.
  await slackTaskAlerts.post(test.ctx, input, `C0ALERTS${++channels}`);
  return JSON.stringify(mrkdwnTexts(fake.messages.at(-1)!));
}

const digest = (acknowledgedTasks: TaskAlert[]) => ({
  period: 'daily' as const,
  since: '2024-05-01T00:00:00Z',
  openTasks: [],
  acknowledgedTasks,
  failuresSince: [],
  integrations: [],
  expiringCredentials: [],
});

describe('who acted on a task, as a channel reads it', () => {
  it('the task keeps the name, the Slack member and the hub user\'s email', () => {
    expect(olivia).toBe('slack:T0001:U0OPS olivia (ops@acme.example)');
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
    await slackTaskAlerts.sendDigest(test.ctx, 'C0DIGEST', digest([alert, { ...alert, key: 'TASK-8', acknowledgedBy: 'user:ann@acme.example' }]));
    const texts = JSON.stringify(mrkdwnTexts(fake.messages.at(-1)!));
    expect(texts).toContain('TASK-7 SN prod: Credentials rejected — <@U0OPS>');
    expect(texts).toContain('TASK-8 SN prod: Credentials rejected — user:ann');
    expect(texts).not.toContain('acme.example');
  });

  it('an alert posted in another workspace than the member\'s names them by name: the mention would not resolve there', async () => {
    for (const input of [alert, { ...alert, status: 'resolved' as const, resolvedBy: olivia }]) {
      const texts = await posted(input, 'T0002');
      expect(texts).toMatch(/\*(Acknowledged|Resolved)\* by olivia ·/);
      expect(texts).not.toContain('<@U0OPS>');
      expect(texts).not.toContain('acme.example');
    }
  });

  it('a digest in another workspace names its members by name too', async () => {
    const { fake, test } = await fakeSlackContext(closers, { teamId: 'T0002' });
    await slackTaskAlerts.sendDigest(test.ctx, 'C0DIGEST', digest([alert]));
    const texts = JSON.stringify(mrkdwnTexts(fake.messages.at(-1)!));
    expect(texts).toContain('TASK-7 SN prod: Credentials rejected — olivia');
    expect(texts).not.toContain('<@U0OPS>');
  });

  it('a label that does not say its workspace (written before it was kept) names the member by name, wherever posted', async () => {
    for (const teamId of ['T0001', 'T0002']) {
      const texts = await posted({ ...alert, acknowledgedBy: 'slack:U0OPS olivia (ops@acme.example)' }, teamId);
      expect(texts).toContain('*Acknowledged* by olivia ·');
      expect(texts).not.toContain('acme.example');
    }
    // Without a name, the mention is the only way left to say who, and it resolves in the usual
    // case of one workspace.
    expect(await posted({ ...alert, acknowledgedBy: 'slack:U0OPS (ops@acme.example)' })).toContain('*Acknowledged* by <@U0OPS> ·');
  });

  it('a member of another workspace with no name kept is "someone from another Slack workspace", not an id', async () => {
    const nameless = chatActorLabel({ platform: 'slack', teamId: 'T0001', userId: 'U0OPS' }, 'ops@acme.example');
    const texts = await posted({ ...alert, acknowledgedBy: nameless }, 'T0002');
    expect(texts).toContain('*Acknowledged* by someone from another Slack workspace ·');
    expect(texts).not.toContain('U0OPS');
  });

  it('a name that is an email shows only the part before the @', async () => {
    const emailName = chatActorLabel({ platform: 'slack', teamId: 'T0001', userId: 'U0OPS', userName: 'olivia@acme.example' }, 'ops@acme.example');
    const texts = await posted({ ...alert, acknowledgedBy: emailName }, 'T0002');
    expect(texts).toContain('*Acknowledged* by olivia ·');
    expect(texts).not.toContain('acme.example');
  });

  it('when Slack does not say which workspace the integration is in, names the member by name and still posts', async () => {
    const { fake, test } = await fakeSlackContext(closers);
    fake.failNext('auth.test', 1, { error: 'fatal_error' });
    await slackTaskAlerts.post(test.ctx, alert, 'C0ALERTS');
    const texts = JSON.stringify(mrkdwnTexts(fake.messages.at(-1)!));
    expect(texts).toContain('*Acknowledged* by olivia ·');
  });

  it('asks Slack which workspace it is in once, and only for a message that names a Slack member', async () => {
    const { fake, test } = await fakeSlackContext(closers);
    await slackTaskAlerts.post(test.ctx, { ...alert, status: 'open', acknowledgedBy: null }, 'C0ALERTS');
    await slackTaskAlerts.post(test.ctx, { ...alert, acknowledgedBy: 'user:ann@acme.example' }, 'C0ALERTS');
    expect(fake.requests.filter((request) => request.method === 'auth.test')).toEqual([]);
    const ref = await slackTaskAlerts.post(test.ctx, alert, 'C0ALERTS');
    await slackTaskAlerts.update(test.ctx, ref, { ...alert, status: 'resolved', resolvedBy: olivia });
    await slackTaskAlerts.sendDigest(test.ctx, 'C0DIGEST', digest([alert]));
    expect(fake.requests.filter((request) => request.method === 'auth.test')).toHaveLength(1);
    expect(JSON.stringify(mrkdwnTexts(fake.latest(ref.channel, ref.ts)!))).toContain('*Resolved* by <@U0OPS>');
  });
});
