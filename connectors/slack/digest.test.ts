import { afterEach, describe, expect, it } from 'vitest';
import type { Digest, TaskAlert } from '../sdk/task-alerts.types.ts';
import { slackTaskAlerts } from './task-alerts.ts';
import { fakeSlackContext, type Closers } from './test-context.testing.ts';
import { mrkdwnTexts } from './mrkdwn-texts.testing.ts';

// The digest is one message: a list too long for a section makes Slack refuse all of it
// (invalid_blocks), so the team hears nothing on the busiest day. And its times are read by people
// in their own time zones.

const closers: Closers = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const setup = () => fakeSlackContext(closers);

// Integration names may have 100 characters; a task's title is the name and the runbook's title.
const longName = (i: number) => `${'ServiceNow & OneTrust evidence sync for the EMEA subsidiaries '.padEnd(96, '.')} ${String(i).padStart(3, '0')}`;
const task = (i: number): TaskAlert => ({
  taskId: `6f1c0d1e-8a55-4f7b-9b0a-6e1d2c3b${String(i).padStart(4, '0')}`,
  key: `TASK-${1000 + i}`,
  title: `${longName(i)}: The upstream system is unavailable or answering with server errors`,
  status: 'acknowledged',
  code: 'upstream_unavailable',
  severity: 'high',
  integrationId: null,
  integrationName: longName(i),
  environment: 'production',
  occurrences: 1,
  lastError: null,
  runbookUrl: 'https://hub.example/admin/runbooks/upstream_unavailable',
  acknowledgedBy: `slack:someone-with-a-long-name-${i} (someone.with.a.long.name.${i}@subsidiary.example.com)`,
  resolvedBy: null,
});

function busyDay(count: number): Digest {
  const tasks = Array.from({ length: count }, (_, i) => task(i));
  return {
    period: 'daily',
    since: '2024-05-01T08:00:00.000Z',
    openTasks: tasks.map((t) => ({ ...t, status: 'open' })),
    acknowledgedTasks: tasks,
    failuresSince: tasks.map((t) => ({ integrationName: t.integrationName, code: 'upstream_unavailable', count: 12 })),
    integrations: tasks.map((t) => ({ name: t.integrationName, environment: 'production', status: 'failing' })),
    expiringCredentials: tasks.map((t) => ({ integrationName: t.integrationName, expiresAt: '2024-05-10T00:00:00.000Z' })),
  };
}

describe('Slack digest', () => {
  it('goes out on a busy day: long lists are cut within what a section holds, and say how many more there are', async () => {
    const { fake, test } = await setup();

    await slackTaskAlerts.sendDigest(test.ctx, 'C0DIGEST', busyDay(40));

    const digest = fake.messages.find((message) => message.channel === 'C0DIGEST');
    expect(digest).toBeDefined();
    const all = mrkdwnTexts(digest!).join('\n');
    expect(all).toContain('*Open tasks (40)*');
    expect(all).toMatch(/…and \d+ more/);
    expect(all).toContain('TASK-1000');
  });

  it('shows its start in the reader\'s own time zone, with a readable UTC fallback', async () => {
    const { fake, test } = await setup();

    await slackTaskAlerts.sendDigest(test.ctx, 'C0DIGEST', busyDay(1));

    const texts = mrkdwnTexts(fake.messages.at(-1)!).join('\n');
    // ASSUMPTION (not in the fact sheet): Slack's mrkdwn date token `<!date^unix^format|fallback>`
    // shows a time in each reader's time zone, and the fallback where it cannot.
    const seconds = Date.parse('2024-05-01T08:00:00.000Z') / 1000;
    expect(texts).toContain(`Since <!date^${seconds}^{date_short_pretty} {time}|2024-05-01 08:00 UTC>`);
    expect(texts).not.toContain('2024-05-01T08:00:00.000Z');
    expect(texts).toContain('2024-05-10');
  });
});
