import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';

// A Slack integration's slackApiUrl is checked when saved; one saved before the check keeps working
// (its alerts, digests and runs read it) and must meet it only when its config is next changed.

describe('Slack API URL on save', () => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'slack_api_url', database: 'pglite' });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const credentials = { botToken: 'xoxb-test-token', signingSecret: 's'.repeat(32) };
  const create = (name: string, slackApiUrl: string) =>
    test.request('post', '/api/integrations', { token: tenant.tokens.admin, body: { connector: 'slack', name, config: { alertChannel: 'C0ALERTS', slackApiUrl }, credentials } });

  it('refuses plain http to another host, and a password in the URL', async () => {
    for (const [url, message] of [
      ['http://proxy.internal/api/', 'must start with https:// (plain http is accepted only for localhost)'],
      ['https://hub:secret@proxy.internal/api/', 'must not hold a user name, password, query or fragment, e.g. https://slack.com/api/'],
    ] as const) {
      const response = await create(`refused ${url}`, url);
      expect(response.status).toBe(400);
      expect((await response.json()).error.fields).toEqual([{ path: 'body.config.slackApiUrl', message }]);
    }
    expect((await create('local fake', 'http://127.0.0.1:9/api/')).status).toBe(201);
  });

  it('keeps reading one saved before the rule, and asks for a new one when the config next changes', async () => {
    const created = await create('saved before', 'https://slack-proxy.internal/api/');
    const { id } = await created.json();
    await test.hub.db.updateTable('integration_configs').set({ config: JSON.stringify({ alertChannel: 'C0ALERTS', slackApiUrl: 'http://egress-proxy.internal:3128/api/' }) }).where('id', '=', id).execute();

    const read = await test.request('get', `/api/integrations/${id}`, { token: tenant.tokens.viewer });
    expect(read.status).toBe(200);
    expect((await read.json()).config.slackApiUrl).toBe('http://egress-proxy.internal:3128/api/');
    expect((await test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { name: 'renamed' } })).status).toBe(200);

    const changed = await test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { config: { alertChannel: 'C0OTHER' } } });
    expect(changed.status).toBe(400);
    expect((await changed.json()).error.fields).toEqual([{ path: 'body.config.slackApiUrl', message: 'must start with https:// (plain http is accepted only for localhost)' }]);
  });
});
