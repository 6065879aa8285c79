import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { FakeSlack } from './fake-slack/index.ts';
import type { HubFleet } from './hub-fleet.ts';
import { SERVICENOW_SCHEDULES_OFF } from './schedules-off.ts';
import { signedServiceNowPush } from './servicenow-push.ts';

// ServiceNow incident webhooks routed to a Slack post, one message per incident: a route whose
// action is not idempotent (Slack has no key to drop a second post), so a test that breaks the
// fleet under it can count in the fake Slack what was acted on twice.

export interface IncidentsToSlack {
  /** The ServiceNow integration whose /hooks/:id receives the incidents. */
  sourceId: string;
  slackId: string;
  webhookSecret: string;
}

export async function routeIncidentsToSlack(fleet: HubFleet, slack: FakeSlack, instanceUrl = 'http://127.0.0.1:9'): Promise<IncidentsToSlack> {
  const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const created = async (path: string, body: unknown): Promise<string> => {
    const answer = await fleet.api('POST', path, body);
    expect(answer.status, JSON.stringify(answer.json)).toBe(201);
    return answer.json.id as string;
  };
  const sourceId = await created('/api/integrations', {
    connector: 'servicenow', name: 'SN incidents', config: { instanceUrl },
    credentials: { auth: { type: 'basic', username: 'svc', password: 'pw-123456' }, webhookSecret },
    schedules: SERVICENOW_SCHEDULES_OFF,
  });
  const slackId = await created('/api/integrations', {
    connector: 'slack', name: 'Slack', config: { slackApiUrl: slack.apiUrl },
    credentials: { botToken: slack.botToken, signingSecret: 'slack-signing-secret-0123456789' },
  });
  await created('/api/routes', {
    name: 'every incident posts', filter: { sourceIntegrationId: sourceId, eventType: 'incident.*' },
    targetIntegrationId: slackId, action: 'post_message',
    inputTemplate: { channel: '{{event.payload.channel}}', text: '{{event.payload.number}}' },
  });
  return { sourceId, slackId, webhookSecret };
}

/** The Slack text incident `n` is posted with. */
export const incidentNumber = (n: number): string => `INC${String(n).padStart(6, '0')}`;

/**
 * Delivery `n` of incident `n`, signed as ServiceNow's Standard Webhooks sender does. A sender that
 * was not acknowledged sends the same delivery id again, so a retry calls this again with `n`.
 */
export function incidentDelivery(route: Pick<IncidentsToSlack, 'webhookSecret'>, n: number): RequestInit & { body: string } {
  const record = { sys_id: `sys${n}`, number: incidentNumber(n), channel: `C${String(n).padStart(5, '0')}` };
  return { method: 'POST', ...signedServiceNowPush(route.webhookSecret, { table: 'incident', action: 'update', record }, { id: `msg_incident_${n}` }) };
}
