import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSlack } from '../../test-support/fake-slack/index.ts';
import { startServer, type ScriptedServer } from '../sdk/scripted-server.testing.ts';
import { callSlack } from './slack-api.ts';
import { slackTestContext } from './test-context.testing.ts';

// Slack's own error names go into failure messages (runs, tasks, alerts); an error text that is no
// such name came from something in between and may echo the request, bot token included.

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function slackAnswering(error: string): Promise<ScriptedServer> {
  const server = await startServer(() => ({ status: 200, body: { ok: false, error } }));
  closers.push(() => server.close());
  return server;
}

describe('Slack error answers', () => {
  it('names the error Slack named', async () => {
    const server = await slackAnswering('invalid_auth');
    const test = slackTestContext(`${server.url}/api/`);
    closers.push(() => test.breakers.shutdown());
    await expect(callSlack(test.ctx, 'auth.test', {})).rejects.toMatchObject({ code: 'auth_invalid', message: 'Slack auth.test answered invalid_auth' });
  });

  it('does not quote an error text that is no Slack error name', async () => {
    const token = 'xoxb-CANARY-0123456789';
    const server = await slackAnswering(`invalid_auth (Authorization: Bearer ${token})`);
    const test = slackTestContext(`${server.url}/api/`, { botToken: token });
    closers.push(() => test.breakers.shutdown());
    const error = await callSlack(test.ctx, 'auth.test', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'upstream_bad_response', message: 'Slack auth.test answered an error it did not name' });
    expect(JSON.stringify(error) + String(error)).not.toContain('CANARY');
  });

  it('says what to do about a channel the bot cannot post to, as the task and its alert show the message', async () => {
    const fake = await startFakeSlack({ channelsWithoutBot: ['C0PRIVATE'] });
    closers.push(() => fake.close());
    const test = slackTestContext(fake.apiUrl, { botToken: fake.botToken });
    closers.push(() => test.breakers.shutdown());
    await expect(callSlack(test.ctx, 'chat.postMessage', { channel: 'C0PRIVATE', text: 'x' })).rejects.toMatchObject({
      code: 'permission_denied',
      message: 'Slack chat.postMessage answered not_in_channel: the bot is not a member of channel C0PRIVATE; invite it with /invite in that channel',
    });
    fake.failNext('chat.postMessage', 1, { error: 'channel_not_found' });
    await expect(callSlack(test.ctx, 'chat.postMessage', { channel: 'C0GONE', text: 'x' })).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('channel_not_found: Slack knows no channel C0GONE in this workspace; give the channel id (C…), not its name'),
    });
  });
});
