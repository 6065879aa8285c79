import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { signTestkit, testkit, TESTKIT_SIGNATURE_HEADER } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// A route's action failing with a message that names an input key full of emoji: the stored
// message is cut at 500 UTF-16 units, and a cut between the halves of an emoji made JSON that
// PostgreSQL's jsonb refuses, so the failure could not be recorded and the run stayed running.

const SECRET = 'hook-secret-surrogate';

describe.each(RUNTIME_MODES)('a failure message cut inside a surrogate pair on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'failure_message_cut', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('surrogate');
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('records the failure of every action run, whatever characters the cut message ends in', async () => {
    const source = await createTestkitIntegration(test, tenant, 'surrogate', {
      credentials: { auth: { type: 'bearer', token: 'kit-token-123456' }, webhookSecret: SECRET },
    });
    const slack = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'slack',
        name: 'alerts',
        // Never reached: the input is refused before any call. No alertChannel, so opening a task posts no alert.
        config: { slackApiUrl: 'http://127.0.0.1:9/api/' },
        credentials: { botToken: 'xoxb-surrogate', signingSecret: '0123456789abcdef0123' },
      },
    });
    expect(slack.status, await slack.clone().text()).toBe(201);
    const slackId = (await slack.json()).id;

    // Two keys of different parity, so one of the two messages is cut between the halves of an emoji.
    for (const pad of ['', 'a']) {
      const route = await test.request('post', '/api/routes', {
        token: tenant.tokens.admin,
        body: {
          name: `emoji${pad}`,
          filter: { sourceIntegrationId: source.id },
          targetIntegrationId: slackId,
          action: 'alert',
          // With a placeholder, so the value is left to the event and refused only when the action runs.
          inputTemplate: { title: 'hello', escalation: { [pad + '😀'.repeat(300)]: '{{event.payload.n}}' } },
        },
      });
      expect(route.status, await route.clone().text()).toBe(201);
    }

    const body = JSON.stringify({ type: 'incident.created', id: 'e1', data: { n: 1 } });
    const hook = await test.request('post', `/hooks/${source.id}`, { body, headers: { [TESTKIT_SIGNATURE_HEADER]: signTestkit(SECRET, body) } });
    expect(hook.status).toBe(202);

    const db = test.hub.db;
    const actionRuns = () => db.selectFrom('integration_runs').select(['id', 'status', 'error_code']).where('tenant_id', '=', tenant.id).where('kind', '=', 'action').where('route_id', 'is not', null).execute();
    await waitFor('two action runs', async () => (await actionRuns()).length === 2);
    // Each fails at once (config_invalid is not retried); give it ample time anyway.
    const settled = await waitFor('both action runs to fail', async () => {
      const runs = await actionRuns();
      return runs.every((run) => run.status === 'failed') ? runs : undefined;
    }, 10_000).catch(async () => actionRuns());
    expect(settled.map((run) => [run.status, run.error_code])).toEqual([
      ['failed', 'config_invalid'],
      ['failed', 'config_invalid'],
    ]);
    const failures = await db.selectFrom('integration_events').select('type').where('tenant_id', '=', tenant.id).where('type', '=', 'failure.config_invalid').execute();
    expect(failures).toHaveLength(2);
  }, 60_000);
});
