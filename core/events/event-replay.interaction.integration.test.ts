import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// A chat interaction (a slash command, a button press) is recorded as an event so a replayed
// request has no second effect, and answered when it arrives instead of being routed. A replay
// sends an event through the routes of now "as on one received then" (README, Routes): received,
// the command was never routed, so a replay must not make a route act on it either. It is refused.

const SIGNING_SECRET = 'slack-signing-secret-0123456789';

describe.each(RUNTIME_MODES)('replaying a recorded Slack command on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let slack: FakeSlack;

  beforeAll(async () => {
    slack = await startFakeSlack({ users: { U0OPS: { name: 'olivia', email: 'ops@acme.example' } } });
    test = await startTestHub({ label: 'replay_interaction', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
    await slack?.close();
  });

  it('is refused with 409, and no route acts on the command', async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'slack', name: 'Slack', config: { alertChannel: 'C0ALERTS', slackApiUrl: slack.apiUrl }, credentials: { botToken: slack.botToken, signingSecret: SIGNING_SECRET } },
    });
    expect(created.status).toBe(201);
    const slackIntegration = await created.json();
    const dataset = `sink-${Math.random()}`;
    const target = await createTestkitIntegration(test, tenant, dataset);
    // A route for what Slack sends through its Events API, which a command's type matches too.
    const route = await test.request('post', '/api/routes', {
      token: tenant.tokens.admin,
      body: { name: 'slack events', filter: { sourceIntegrationId: slackIntegration.id, eventType: 'slack.*' }, targetIntegrationId: target.id, action: 'record', inputTemplate: { message: '{{event.type}}' } },
    });
    expect(route.status).toBe(201);

    const body = slashCommandBody({ text: 'help', user_id: 'U0OPS', response_url: slack.responseUrl() });
    const answer = await test.request('post', `/hooks/${slackIntegration.id}`, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, body) }, body });
    expect(answer.status).toBe(200);
    const event = await waitFor('the recorded command', async () =>
      test.hub.db.selectFrom('integration_events').selectAll().where('integration_id', '=', slackIntegration.id).where('type', '=', 'slack.command').executeTakeFirst(),
    );
    expect(event.status).toBe('processed');

    const replay = await test.request('post', `/api/events/${event.id}/replay`, { token: tenant.tokens.operator });
    expect(replay.status).toBe(409);
    expect((await replay.json()).error).toMatchObject({ code: 'conflict', message: expect.stringContaining('interaction') });
    const after = await test.hub.db.selectFrom('integration_events').select(['status', 'replayed_at']).where('id', '=', event.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ status: 'processed', replayed_at: null });
    // Nothing queued: had the replay gone through, the route's run would exist by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await test.hub.db.selectFrom('integration_runs').select('id').where('event_id', '=', event.id).execute()).toEqual([]);
    expect(testkitUpstream(dataset).actions).toEqual([]);
  });
});
