import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { WORKING_ON_IT } from './bolt-listeners.ts';
import { mrkdwnTexts } from './mrkdwn-texts.testing.ts';
import { SIGNING_SECRET, startSlackWorld, type SlackWorld } from './slack-world.testing.ts';

// A tenant with two Slack integrations, each the app of its own workspace (T0001, T0002): every
// task is alerted in both. A mention resolves only in the workspace of the member it names, so
// someone who acknowledged from T0001 is a mention in T0001's alert and their name in T0002's, in
// alerts and in the answer to whoever comes second alike; never their email.

const BETA_SECRET = 'slack-signing-secret-beta-0123456';

describe.each(RUNTIME_MODES)('two Slack workspaces alerting one tenant on $name', ({ options }) => {
  let world: SlackWorld;
  let test: TestHub;
  let tenant: TestTenant;
  let alpha: FakeSlack;
  let beta: FakeSlack;
  let alphaIntegration: { id: string };
  let betaIntegration: { id: string };
  let task: { id: string; key: string };
  let replies = 0;

  beforeAll(async () => {
    world = await startSlackWorld(options);
    ({ test, tenant, slack: alpha, slackIntegration: alphaIntegration } = world);
    beta = await startFakeSlack({ teamId: 'T0002', botToken: 'xoxb-beta-token', users: { U0BETA: { name: 'bea', email: 'bea@acme.example' } } });
    await test.hub.db.insertInto('users').values({ tenant_id: tenant.id, email: 'bea@acme.example', name: 'Bea', role: 'operator' }).execute();
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'slack', name: 'Slack beta', config: { alertChannel: 'C0BETA', slackApiUrl: beta.apiUrl }, credentials: { botToken: beta.botToken, signingSecret: BETA_SECRET } },
    });
    expect(created.status).toBe(201);
    betaIntegration = await created.json();
    task = await world.newFailingTask('SN two workspaces');
  });
  afterAll(async () => {
    await world?.close();
    await beta?.close();
  });

  /** What the person reads: the answer itself, or what follows "Working on it…" on response_url. */
  async function command(slack: FakeSlack, integrationId: string, secret: string, teamId: string, userId: string, text: string): Promise<string> {
    const responseId = `reply-${++replies}`;
    const body = slashCommandBody({ text, user_id: userId, team_id: teamId, response_url: slack.responseUrl(responseId) });
    const response = await test.request('post', `/hooks/${integrationId}`, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(secret, body) }, body });
    expect(response.status).toBe(200);
    const answer = (JSON.parse(await response.text()) as { text: string }).text;
    if (answer !== WORKING_ON_IT) return answer;
    const later = await waitFor('the reply on response_url', async () => slack.responses.find((posted) => posted.id === responseId), 15_000);
    return (later.body as { text: string }).text;
  }
  const inAlpha = (userId: string, text: string) => command(alpha, alphaIntegration.id, SIGNING_SECRET, 'T0001', userId, text);
  const inBeta = (userId: string, text: string) => command(beta, betaIntegration.id, BETA_SECRET, 'T0002', userId, text);

  /** The alert of the task in `channel` of `slack`, with every update applied, once none is pending. */
  async function alertIn(slack: FakeSlack, channel: string): Promise<string> {
    await waitFor('the alert runs of both workspaces to settle', async () => {
      const unfinished = await test.hub.db
        .selectFrom('integration_runs')
        .select('id')
        .where('integration_id', 'in', [alphaIntegration.id, betaIntegration.id])
        .where('status', 'in', ['queued', 'running'])
        .execute();
      return unfinished.length === 0;
    }, 20_000);
    const posted = slack.messages.find((message) => message.channel === channel && !message.thread_ts && JSON.stringify(message.blocks).includes(task.key));
    expect(posted, `the alert of ${task.key} in ${channel}`).toBeDefined();
    return JSON.stringify(mrkdwnTexts(slack.latest(posted!.channel, posted!.ts)!));
  }

  it('names who acknowledged from one workspace by a mention there, and by name in the other workspace\'s alert', async () => {
    expect(await inAlpha('U0OPS', `ack ${task.key}`)).toContain(`${task.key} acknowledged`);

    await waitFor('both alerts to show the acknowledgement', async () => (await alertIn(alpha, 'C0ALERTS')).includes('*Acknowledged*') && (await alertIn(beta, 'C0BETA')).includes('*Acknowledged*'));
    const own = await alertIn(alpha, 'C0ALERTS');
    const other = await alertIn(beta, 'C0BETA');

    expect(own).toContain('*Acknowledged* by <@U0OPS>');
    expect(other).toContain('*Acknowledged* by olivia');
    expect(other).not.toContain('<@U0OPS>');
    expect(own + other).not.toContain('ops@acme.example');
  });

  it('tells whoever acknowledges second who was first, the way their own workspace can read it, without an email', async () => {
    expect(await inBeta('U0BETA', `ack ${task.key}`)).toBe(`:no_entry: ${task.key} is already acknowledged by olivia; nothing to do.`);
    expect(await inAlpha('U0OPS', `ack ${task.key}`)).toBe(`:no_entry: ${task.key} is already acknowledged by <@U0OPS>; nothing to do.`);
  });
});
