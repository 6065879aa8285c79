import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../sdk/failure.ts';
import { AlertMessageGoneError, type TaskAlert } from '../sdk/task-alerts.types.ts';
import { slackActions } from './actions.ts';
import { slackTaskAlerts } from './task-alerts.ts';
import { fakeSlackContext, type Closers } from './test-context.testing.ts';
import { mrkdwnTexts } from './mrkdwn-texts.testing.ts';

// Titles, last errors and integration names come from upstream systems and from whoever configured
// an integration. In mrkdwn they must not ping a channel, call in a user group or forge a link;
// only the hub's own configured escalation mention may.

const closers: Closers = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const setup = () => fakeSlackContext(closers);

const HOSTILE = '<!channel> <!here> <!everyone> <@U0BOSS> <!subteam^S0ALL> <https://evil.example|click here> & more';

const hostileAlert: TaskAlert = {
  taskId: '6f1c0d1e-8a55-4f7b-9b0a-6e1d2c3b4a59',
  key: 'TASK-7',
  title: `Auth failing ${HOSTILE}`,
  status: 'acknowledged',
  code: 'auth_invalid',
  severity: 'high',
  integrationId: '0b7c2f4e-1d3a-4e5b-8c6d-7e8f9a0b1c2d',
  integrationName: `SN ${HOSTILE}`,
  environment: 'production',
  occurrences: 3,
  lastError: `401 from upstream: ${HOSTILE}`,
  runbookUrl: 'https://hub.example/admin/runbooks/auth_invalid',
  acknowledgedBy: `Mallory ${HOSTILE}`,
  resolvedBy: null,
};

function expectNoLiveMarkup(texts: string[], allowed: string[] = []): void {
  expect(texts.length).toBeGreaterThan(0);
  for (const text of texts) {
    // A leading `> ` is the hub's own block quote around the last error.
    let rest = text.replace(/^> /gm, '');
    for (const mention of allowed) rest = rest.split(mention).join('');
    expect(rest, text).not.toMatch(/[<>]/);
  }
}

describe('Slack task alerts with hostile upstream text', () => {
  it('show titles, names, errors and actors as text in the alert and its fallback text', async () => {
    const { fake, test } = await setup();

    await slackTaskAlerts.post(test.ctx, hostileAlert, 'C0ALERTS');

    const message = fake.messages.at(-1)!;
    const texts = mrkdwnTexts(message);
    expectNoLiveMarkup(texts);
    const all = texts.join('\n');
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;https://evil.example|click here&gt; &amp; more');
    expect(message.text).toContain('Auth failing &lt;!channel&gt;');
  });

  it('keep the configured escalation mention live, and nothing else', async () => {
    const { fake, test } = await setup();

    const ref = await slackTaskAlerts.post(test.ctx, hostileAlert, 'C0ALERTS');
    await slackTaskAlerts.escalate(test.ctx, ref, { ...hostileAlert, status: 'open' }, { afterMinutes: 15, mention: '<!subteam^S0OPS>' });

    const escalation = fake.messages.find((message) => message.thread_ts === ref.ts)!;
    expect(escalation.text).toMatch(/^<!subteam\^S0OPS> TASK-7 is still unacknowledged after 15 minutes: Auth failing &lt;!channel&gt;/);
    expect(escalation.text).toContain('Runbook: https://hub.example/admin/runbooks/auth_invalid');
    expectNoLiveMarkup(mrkdwnTexts(escalation), ['<!subteam^S0OPS>']);
  });

  it('show hostile text as text in the digest', async () => {
    const { fake, test } = await setup();

    await slackTaskAlerts.sendDigest(test.ctx, 'C0DIGEST', {
      period: 'daily',
      since: '2024-05-01T00:00:00Z',
      openTasks: [{ ...hostileAlert, status: 'open' }],
      acknowledgedTasks: [hostileAlert],
      failuresSince: [{ integrationName: hostileAlert.integrationName, code: 'auth_invalid', count: 2 }],
      integrations: [{ name: hostileAlert.integrationName, environment: 'production', status: 'failing' }],
      expiringCredentials: [{ integrationName: hostileAlert.integrationName, expiresAt: '2024-05-10T00:00:00Z' }],
    });

    const texts = mrkdwnTexts(fake.messages.at(-1)!);
    // The hub's own date token for the digest's start is the one markup it may hold.
    expectNoLiveMarkup(texts, ['<!date^1714521600^{date_short_pretty} {time}|2024-05-01 00:00 UTC>']);
    expect(texts.join('\n')).toContain('SN &lt;!channel&gt;');
  });

  it('link the Runbook button only to a web address', async () => {
    const { fake, test } = await setup();

    await slackTaskAlerts.post(test.ctx, { ...hostileAlert, runbookUrl: 'httpjavascript:alert(1)' }, 'C0ALERTS');

    expect(JSON.stringify(fake.messages.at(-1)!.blocks)).not.toContain('"url"');
  });

  it('show a route alert\'s title, text, severity and code as text, and link only an http(s) runbook', async () => {
    const { fake, test } = await setup();

    await slackActions['alert']!.run(
      test.ctx,
      { channel: 'C0ALERTS', title: `Incident ${HOSTILE}`, text: `From ServiceNow: ${HOSTILE}`, severity: `high ${HOSTILE}`, code: 'x<!here>', runbookUrl: 'javascript:alert(1)' },
      { idempotencyKey: 'route:r:e' },
    );

    const texts = mrkdwnTexts(fake.messages.at(-1)!);
    expectNoLiveMarkup(texts);
    expect(texts.join('\n')).toContain('From ServiceNow: &lt;!channel&gt;');
    expect(texts.join('\n')).not.toContain('Runbook');
  });
});

describe('Slack task alert updates', () => {
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

  it('report a message deleted in Slack (message_not_found) as gone, which the runtime reads as nothing to update', async () => {
    const { test } = await setup();

    // The fake knows no message at this ts, and answers as Slack does for a deleted one.
    const error = await rejection(slackTaskAlerts.update(test.ctx, { channel: 'C0ALERTS', ts: '1714557731.000100' }, hostileAlert));

    expect(error).toBeInstanceOf(AlertMessageGoneError);
    expect(error).toMatchObject({ code: 'config_invalid', message: 'Slack chat.update answered message_not_found' });
  });

  it('keep other errors of an update what they were: a wrong channel is a configuration error, not a gone message', async () => {
    const { fake, test } = await setup();
    fake.failNext('chat.update', 1, { error: 'channel_not_found' });

    const error = await rejection(slackTaskAlerts.update(test.ctx, { channel: 'C0NOWHERE', ts: '1714557731.000100' }, hostileAlert));

    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).not.toBeInstanceOf(AlertMessageGoneError);
    expect(error).toMatchObject({ code: 'config_invalid' });
  });
});
