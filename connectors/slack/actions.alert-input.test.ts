import { afterEach, describe, expect, it } from 'vitest';
import { slackActions } from './actions.ts';
import { fakeSlackContext, type Closers } from './test-context.testing.ts';
import { mrkdwnTexts } from './mrkdwn-texts.testing.ts';

const closers: Closers = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const setup = () => fakeSlackContext(closers);

// An alert's values come from events (upstream data through a route's template): whatever they
// hold, they show as text, and the message stays one Slack accepts.

describe('the alert action with event data', () => {
  it('does not let an http(s) runbookUrl from the event ping the channel', async () => {
    const { fake, test } = await setup();
    // A value that passes isWebUrl (starts with https://) yet closes the link and opens a mention.
    const runbookUrl = 'https://runbooks.example/x> <!channel> <https://evil.example';
    // As the action executor does: parse with the action's input schema first.
    const input = slackActions['alert']!.input.parse({ channel: 'C0ALERTS', title: 'Incident', runbookUrl });
    await slackActions['alert']!.run(test.ctx, input, { idempotencyKey: 'route:r:e' });
    const texts = mrkdwnTexts(fake.messages.at(-1)!);
    // Only the hub's own <url|Runbook> link may be live markup; no <!channel> may appear.
    expect(texts.join('\n')).not.toContain('<!channel>');
  });

  it('keeps the section text within Slack\'s 3,000-character limit for any text the schema accepts', async () => {
    const { fake, test } = await setup();
    const input = slackActions['alert']!.input.parse({ channel: 'C0ALERTS', title: 'Incident', text: 'R&D <ops> '.repeat(290) });
    await slackActions['alert']!.run(test.ctx, input, { idempotencyKey: 'route:r:e2' });
    const blocks = fake.messages.at(-1)!.blocks as Array<{ type: string; text?: { text: string } }>;
    const section = blocks.find((block) => block.type === 'section')!;
    expect(section.text!.text.length).toBeLessThanOrEqual(3000);
    // Cut where no entity it made is split, and marked as cut.
    expect(section.text!.text).toMatch(/(&amp;|&lt;|&gt;|[^&;])…$/);
    expect(section.text!.text).not.toMatch(/&[a-z]{0,3}…$/);
  });

  it('still links an ordinary runbook URL', async () => {
    const { fake, test } = await setup();
    const input = slackActions['alert']!.input.parse({ channel: 'C0ALERTS', title: 'Incident', runbookUrl: 'https://runbooks.example/auth_invalid?step=2#fix' });
    await slackActions['alert']!.run(test.ctx, input, { idempotencyKey: 'route:r:e3' });
    expect(mrkdwnTexts(fake.messages.at(-1)!).join('\n')).toContain('<https://runbooks.example/auth_invalid?step=2#fix|Runbook>');
  });

  it('posts an event\'s long title and text cut to Slack\'s limits instead of refusing them', async () => {
    const { fake, test } = await setup();
    // A ServiceNow short description takes 160 characters; a description thousands.
    const input = slackActions['alert']!.input.parse({ channel: 'C0ALERTS', title: 't'.repeat(160), text: 'Steps to reproduce. '.repeat(300) });
    await slackActions['alert']!.run(test.ctx, input, { idempotencyKey: 'route:r:e4' });
    const blocks = fake.messages.at(-1)!.blocks as Array<{ type: string; text?: { text: string } }>;
    expect(blocks.find((block) => block.type === 'header')!.text!.text).toBe('t'.repeat(150));
    expect(blocks.find((block) => block.type === 'section')!.text!.text.length).toBe(3000);
  });
});

describe('the post_message action with event data', () => {
  it('posts text over 3,000 characters, and cuts it at chat.postMessage\'s 40,000', async () => {
    const { fake, test } = await setup();
    for (const [length, posted] of [[3_500, 3_500], [45_000, 40_000]] as const) {
      const input = slackActions['post_message']!.input.parse({ channel: 'C0ALERTS', text: 'y'.repeat(length) });
      await slackActions['post_message']!.run(test.ctx, input, { idempotencyKey: `route:r:m${length}` });
      expect((fake.messages.at(-1)!.text as string).length).toBe(posted);
    }
  });
});
