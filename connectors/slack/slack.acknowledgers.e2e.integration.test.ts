import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSlackRequest, slashCommandBody, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { WORKING_ON_IT } from './bolt-listeners.ts';
import { mrkdwnTexts } from './mrkdwn-texts.testing.ts';
import { SIGNING_SECRET, startSlackWorld, type SlackWorld } from './slack-world.testing.ts';

// The people who answer alerts from Slack: someone Slack could not look up is asked to try again
// (not told to fix their email, and not remembered as unlinked); `/hub status` names the tasks to
// acknowledge; and the channel sees who acknowledged as a Slack mention, never by email, while
// the task keeps the hub user.

describe.each(RUNTIME_MODES)('people acknowledging alerts from Slack on $name', ({ options }) => {
  let world: SlackWorld;
  let test: TestHub;
  let tenant: TestTenant;
  let slack: FakeSlack;
  let slackIntegration: { id: string };
  let task: { id: string; key: string };
  let replies = 0;

  beforeAll(async () => {
    world = await startSlackWorld(options);
    ({ test, tenant, slack, slackIntegration } = world);
    task = await world.newFailingTask('SN prod listed');
  });
  afterAll(async () => {
    await world?.close();
  });

  /** What the person reads: the answer itself, or what follows "Working on it…" on response_url. */
  async function command(text: string, userId: string): Promise<string> {
    const responseId = `reply-${++replies}`;
    const body = slashCommandBody({ text, user_id: userId, response_url: slack.responseUrl(responseId) });
    const response = await test.request('post', `/hooks/${slackIntegration.id}`, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, body) }, body });
    expect(response.status).toBe(200);
    const answer = (JSON.parse(await response.text()) as { text: string }).text;
    if (answer !== WORKING_ON_IT) return answer;
    const later = await waitFor('the reply on response_url', async () => slack.responses.find((posted) => posted.id === responseId), 15_000);
    return (later.body as { text: string }).text;
  }
  const linksOf = (userId: string) => test.hub.db.selectFrom('chat_user_links').selectAll().where('tenant_id', '=', tenant.id).where('user_id', '=', userId).execute();

  it('asks a first-time user Slack could not look up to try again, remembers nothing, and acts once Slack answers', async () => {
    // Slack down for both tries of the listeners' client.
    slack.failNext('users.info', 2, { status: 503 });

    const refused = await command(`ack ${task.key}`, 'U0OPS');

    expect(refused).toBe(':no_entry: The hub could not look up your chat account just now, so it cannot tell which hub user you are. Please try again in a moment.');
    expect(await linksOf('U0OPS')).toEqual([]);
    expect(await test.hub.db.selectFrom('audit_log').select('action').where('tenant_id', '=', tenant.id).where('actor_type', '=', 'slack').execute()).toEqual([]);

    expect(await command(`ack ${task.key}`, 'U0OPS')).toContain(`${task.key} acknowledged`);
    expect(await linksOf('U0OPS')).toMatchObject([{ linked_by: 'verified-email' }]);
  });

  it('shows the channel who acknowledged as a Slack mention, without their email; the task keeps the hub user', async () => {
    await world.alertRunsSettled();
    const alert = slack.messages.find((message) => message.channel === 'C0ALERTS' && !message.thread_ts && JSON.stringify(message.blocks).includes(task.key));
    const shown = slack.latest(alert!.channel, alert!.ts)!;
    const texts = JSON.stringify(mrkdwnTexts(shown));

    expect(texts).toContain('*Acknowledged* by <@U0OPS>');
    expect(texts).not.toContain('acme.example');
    const kept = await (await test.request('get', `/api/tasks/${task.id}`, { token: tenant.tokens.viewer })).json();
    expect(kept.acknowledgedBy).toBe('slack:T0001:U0OPS olivia (ops@acme.example)');
    expect(kept.history.at(-1)).toMatchObject({ action: 'acknowledged', actor: 'slack:T0001:U0OPS olivia (ops@acme.example)' });
  });

  it('names the open tasks of an integration in /hub status, so one can be acknowledged from the reply', async () => {
    const other = await world.newFailingTask('SN second listed');

    expect(await command('status SN second listed', 'U0VIEW')).toContain(`1 open task: ${other.key}`);
    expect(await command('status SN prod listed', 'U0VIEW')).toContain(`1 open task: ${task.key} (acknowledged)`);
  });
});
