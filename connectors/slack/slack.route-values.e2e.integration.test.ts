import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { basicCredentials, createServiceNowIntegration } from '../../test-support/servicenow-integration.ts';
import { signedServiceNowPush } from '../../test-support/servicenow-push.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { startSlackWorld, type SlackWorld } from './slack-world.testing.ts';

// Whoever can write into a ServiceNow record writes the values a route's template fills into a
// Slack post_message: a short description saying <!channel> or <https://evil|a trusted label>
// must reach Slack escaped, showing as text, while the admin's own <!here> in the template stays
// a mention. Routing and a replay of a failed post render alike.

const hostile = '<!channel> urgent: <https://evil.example/sso|Re-authenticate at https://sso.acme.com>';
const shown = '&lt;!channel&gt; urgent: &lt;https://evil.example/sso|Re-authenticate at https://sso.acme.com&gt;';

describe.each(RUNTIME_MODES)('event values routed to Slack post_message on $name', ({ options }) => {
  let world: SlackWorld;
  let source: { id: string };
  const secret = `whsec_${randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    world = await startSlackWorld(options);
    const { test, tenant, servicenow, slackIntegration } = world;
    source = await createServiceNowIntegration(test, tenant, { name: 'SN pushes', instanceUrl: servicenow.url, credentials: basicCredentials('svc', 'right-password', secret) });
    const route = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: {
        name: 'new incidents to Slack', filter: { sourceIntegrationId: source.id, eventType: 'incident.*' },
        targetIntegrationId: slackIntegration.id, action: 'post_message',
        inputTemplate: { channel: '{{event.payload.u_channel}}', text: '<!here> New incident: {{event.payload.short_description}}' },
      },
    });
    expect(route.status, JSON.stringify(await route.clone().json())).toBe(201);
  });
  afterAll(async () => {
    await world?.close();
  });

  async function pushIncident(n: number, channel: string): Promise<string> {
    const record = { sys_id: `sys${n}`, sys_mod_count: '1', number: `INC00000${n}`, short_description: hostile, u_channel: channel };
    const pushed = await world.test.request('post', `/hooks/${source.id}`, signedServiceNowPush(secret, { table: 'incident', action: 'update', record }));
    expect(pushed.status).toBe(202);
    return ((await pushed.json()) as { eventIds: string[] }).eventIds[0]!;
  }
  const postedTo = (channel: string) => waitFor(`the post in ${channel}`, async () => world.slack.messages.find((message) => message.channel === channel), 20_000);

  it('posts the pushed short description escaped, beside the template\'s live <!here>', async () => {
    await pushIncident(1, 'C0ROUTE');
    expect((await postedTo('C0ROUTE')).text).toBe(`<!here> New incident: ${shown}`);
  });

  it('renders a replay of a failed post the same way', async () => {
    const { test, tenant, slack, slackIntegration } = world;
    slack.failNext('chat.postMessage', 1, { error: 'not_in_channel' });
    const eventId = await pushIncident(2, 'C0REPLAY');
    await waitFor('the post to fail', async () => {
      const { runs } = await (await test.request('get', `/api/runs?integrationId=${slackIntegration.id}&kind=action`, { token: tenant.tokens.viewer })).json();
      return runs.some((run: { eventId: string; status: string }) => run.eventId === eventId && run.status === 'failed');
    }, 20_000);
    const replayed = await test.request('post', `/api/events/${eventId}/replay`, { token: tenant.tokens.operator });
    expect(replayed.status).toBe(202);
    // The failed run is run again with its input rendered anew from the route.
    expect((await replayed.json()).replay).toEqual({ failedActionsRetried: 1, failedActionsNotRetried: 0 });
    expect((await postedTo('C0REPLAY')).text).toBe(`<!here> New incident: ${shown}`);
  });
});
