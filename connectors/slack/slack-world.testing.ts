import { expect } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import type { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';

export const SIGNING_SECRET = 'slack-signing-secret-0123456789';

/** A hub with workers, a Slack integration against a fake Slack, and a ServiceNow integration whose polls fail (wrong password). */
export interface SlackWorld {
  test: TestHub;
  tenant: TestTenant;
  slack: FakeSlack;
  servicenow: FakeServiceNow;
  slackIntegration: { id: string };
  failing: { id: string; name: string };
  /** A new ServiceNow integration whose poll fails, and the task that failure opens. */
  newFailingTask(name: string): Promise<{ id: string; key: string }>;
  /** Every post, update, escalation and digest of the Slack integration has finished, retries included. */
  alertRunsSettled(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Users: Olivia (operator, U0OPS) and Victor (viewer, U0VIEW) match hub users by email; Sam
 * (U0STRANGER) matches none. Alerts go to C0ALERTS and escalate once, after 15 minutes.
 */
export async function startSlackWorld(options: (typeof RUNTIME_MODES)[number]['options']): Promise<SlackWorld> {
  const slack = await startFakeSlack({
    users: {
      U0OPS: { name: 'olivia', email: 'ops@acme.example' },
      U0VIEW: { name: 'victor', email: 'viewer@acme.example' },
      U0STRANGER: { name: 'sam', email: 'sam@elsewhere.example' },
    },
  });
  const servicenow = await startFakeServiceNow({ auth: { basic: { user: 'svc', pass: 'right-password' } } });
  const test = await startTestHub({ label: 'slack', ...options, workers: true });
  const close = async () => {
    await test.close();
    await slack.close();
    await servicenow.close();
  };
  try {
    const tenant = await test.createTenant('acme');
    await test.hub.db
      .insertInto('users')
      .values([
        { tenant_id: tenant.id, email: 'ops@acme.example', name: 'Olivia', role: 'operator' },
        { tenant_id: tenant.id, email: 'viewer@acme.example', name: 'Victor', role: 'viewer' },
      ])
      .execute();
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'slack', name: 'Slack', config: { alertChannel: 'C0ALERTS', slackApiUrl: slack.apiUrl, escalation: { afterMinutes: [15], mention: '<!subteam^S0OPS>' } },
        credentials: { botToken: slack.botToken, signingSecret: SIGNING_SECRET },
      },
    });
    expect(created.status, JSON.stringify(await created.clone().json())).toBe(201);
    const slackIntegration = await created.json();
    const failingIntegration = async (name: string) =>
      (
        await test.request('post', '/api/integrations', {
          token: tenant.tokens.admin,
          body: { connector: 'servicenow', name, config: { instanceUrl: servicenow.url }, credentials: { auth: { type: 'basic', username: 'svc', password: 'wrong-password' } }, schedules: SERVICENOW_SCHEDULES_OFF },
        })
      ).json();
    const failing = await failingIntegration('SN prod');
    const newFailingTask = async (name: string) => {
      const integration = await failingIntegration(name);
      await test.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: { stream: 'incident' } });
      return waitFor('the task', async () => (await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json()).tasks[0]);
    };
    const alertRunsSettled = () =>
      waitFor('the alert runs to settle', async () => {
        const unfinished = await test.hub.db.selectFrom('integration_runs').select('id').where('integration_id', '=', slackIntegration.id).where('status', 'in', ['queued', 'running']).execute();
        return unfinished.length === 0;
      }, 20_000);
    return { test, tenant, slack, servicenow, slackIntegration, failing, newFailingTask, alertRunsSettled, close };
  } catch (error) {
    await close();
    throw error;
  }
}
