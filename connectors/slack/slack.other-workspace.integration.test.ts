import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionPayload, interactionBody, signSlackRequest, slashCommandBody, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// The app is installed in workspace T0001 (auth.test says so). A member of another workspace (a
// Slack Connect channel shared with another organisation) chooses their own email: one that is a
// hub operator's must not make them that operator. An admin can still link them explicitly.
// ASSUMPTION (not in the fact sheet): users.info names a member's home workspace as user.team_id.

const SECRET = 'slack-signing-secret-0123456789';

describe.each(RUNTIME_MODES)('a Slack user of another workspace with a hub operator\'s email ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let slack: FakeSlack;
  let integrationId: string;

  beforeAll(async () => {
    slack = await startFakeSlack({
      users: {
        U0OPS: { name: 'olivia', email: 'ops@acme.example' },
        U0EXT: { name: 'mallory', email: 'ops@acme.example', teamId: 'T0OTHER' },
      },
    });
    test = await startTestHub({ label: 'slack_other_workspace', ...options });
    tenant = await test.createTenant('acme');
    await test.hub.db.insertInto('users').values({ tenant_id: tenant.id, email: 'ops@acme.example', name: 'Olivia', role: 'operator' }).execute();
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'slack', name: 'Slack', config: { slackApiUrl: slack.apiUrl }, credentials: { botToken: slack.botToken, signingSecret: SECRET } },
    });
    expect(created.status).toBe(201);
    integrationId = (await created.json()).id;
    for (const number of [1, 2, 3, 4]) {
      await test.hub.db
        .insertInto('tasks')
        .values({ tenant_id: tenant.id, number, integration_id: null, code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md', title: `task ${number}`, severity: 'high', status: 'open', updated_at: new Date() })
        .execute();
    }
  });
  afterAll(async () => {
    await test?.close();
    await slack?.close();
  });

  const statusOf = async (number: number) => (await test.hub.db.selectFrom('tasks').select('status').where('tenant_id', '=', tenant.id).where('number', '=', number).executeTakeFirstOrThrow()).status;
  async function slashCommand(userId: string, teamId: string, text: string, replyId: string): Promise<string> {
    const body = slashCommandBody({ text, user_id: userId, team_id: teamId, response_url: slack.responseUrl(replyId) });
    const response = await test.request('post', `/hooks/${integrationId}`, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, body });
    expect(response.status).toBe(200);
    return JSON.parse(await response.text()).text as string;
  }

  it('cannot acknowledge a task with /hub ack, and is told to ask for a link', async () => {
    const text = await slashCommand('U0EXT', 'T0OTHER', 'ack TASK-1', 'ext-cmd');
    expect(text).not.toContain('acknowledged');
    expect(text).toMatch(/link/i);
    expect(await statusOf(1)).toBe('open');
    expect(await test.hub.db.selectFrom('chat_user_links').select('user_id').where('tenant_id', '=', tenant.id).execute()).toEqual([]);
  });

  it('cannot acknowledge a task with the Acknowledge button', async () => {
    const payload = blockActionPayload({ userId: 'U0EXT', teamId: 'T0OTHER', actionId: 'task_ack', value: 'TASK-2', channelId: 'C0SHARED', messageTs: '1714557731.000100', responseUrl: slack.responseUrl('ext-btn') });
    const body = interactionBody(payload);
    const response = await test.request('post', `/hooks/${integrationId}`, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SECRET, body) }, body });
    expect(response.status).toBe(200);
    const reply = await waitFor('the button reply', async () => slack.responses.find((candidate) => candidate.id === 'ext-btn'));
    expect(JSON.stringify(reply)).not.toContain('acknowledged');
    expect(await statusOf(2)).toBe('open');
  });

  it('is linked by email when a member of the app\'s workspace, and explicitly by an admin otherwise', async () => {
    expect(await slashCommand('U0OPS', 'T0001', 'ack TASK-3', 'own-cmd')).toContain('acknowledged');
    expect(await statusOf(3)).toBe('acknowledged');

    const linked = await test.request('post', '/api/slack/links', { token: tenant.tokens.admin, body: { teamId: 'T0OTHER', userId: 'U0EXT', userEmail: 'ops@acme.example' } });
    expect(linked.status).toBe(201);
    expect(await slashCommand('U0EXT', 'T0OTHER', 'ack TASK-4', 'ext-linked')).toContain('acknowledged');
    expect(await statusOf(4)).toBe('acknowledged');
  });
});
