import { afterEach, describe, expect, it } from 'vitest';
import { renderTemplate } from '../../core/routes/route.template.ts';
import { slackActions } from './actions.ts';
import { fakeSlackContext, type Closers } from './test-context.testing.ts';

const closers: Closers = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

// post_message sends its text as mrkdwn as given: the admin's own markup (<!here>, a
// <url|label> link) stays live. What a route's template fills in from an event is escaped where
// it is filled in, by the declaration post_message makes (templateValues), so an upstream value
// saying <!channel> or <https://evil|label> shows as text instead of pinging or linking.
// ASSUMPTION: Slack reads `&lt;`, `&gt;` and `&amp;` in mrkdwn as the characters themselves, and
// only `&`, `<` and `>` need escaping (the connector fact sheet does not say).

const postMessage = slackActions['post_message']!;
const hostile = '<!channel> urgent: <https://evil.example/sso|Re-authenticate at https://sso.acme.com>';
const scope = { event: { payload: { short_description: hostile, channel: 'C0ROUTE' } } };

describe('post_message with a route\'s template', () => {
  it('posts event values as text and the template\'s own markup as written', async () => {
    const { fake, test } = await fakeSlackContext(closers);
    const template = { channel: '{{event.payload.channel}}', text: '<!here> New incident: {{event.payload.short_description}} (<https://runbook.example|Runbook>)' };
    const input = postMessage.input.parse(renderTemplate(template, scope, undefined, postMessage.templateValues));
    await postMessage.run(test.ctx, input, { idempotencyKey: 'route:r:e1' });
    expect(fake.messages.at(-1)).toMatchObject({
      channel: 'C0ROUTE',
      text: '<!here> New incident: &lt;!channel&gt; urgent: &lt;https://evil.example/sso|Re-authenticate at https://sso.acme.com&gt; (<https://runbook.example|Runbook>)',
    });
  });

  it('escapes a text the event gives whole, & included', async () => {
    const { fake, test } = await fakeSlackContext(closers);
    const input = postMessage.input.parse(renderTemplate({ channel: 'C0WHOLE', text: '{{event.payload.short_description}}' }, { event: { payload: { short_description: 'R&D <ops>' } } }, undefined, postMessage.templateValues));
    await postMessage.run(test.ctx, input, { idempotencyKey: 'route:r:e2' });
    expect(fake.messages.at(-1)!.text).toBe('R&amp;D &lt;ops&gt;');
  });

  it('leaves the channel, which Slack does not read as mrkdwn, to its own validation', () => {
    const values = postMessage.templateValues!;
    expect(values.isMarkup(['channel'], { channel: 'C0ROUTE', text: 'x' })).toBe(false);
    expect(values.isMarkup(['text'], { channel: 'C0ROUTE', text: 'x' })).toBe(true);
  });

  it('is the only Slack action that declares it: alert escapes its values itself, and would otherwise show &amp;lt;', () => {
    expect(slackActions['alert']!.templateValues).toBeUndefined();
  });
});
