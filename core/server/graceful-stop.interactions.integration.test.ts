import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionPayload, interactionBody, signSlackRequest, startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { ADMIN_TOKEN, callHubApi } from '../../test-support/hub-fleet.ts';
import { spawnHub, type HubProcess } from '../../test-support/hub-process.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { TEST_MASTER_KEYS } from '../../test-support/test-hub.ts';
import { createTestDatabase, testRedisUrl, uniquePrefix, type TestDatabase } from '../../test-support/test-database.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// SIGTERM stops gracefully: requests and jobs in flight get up to HUB_SHUTDOWN_TIMEOUT_MS. A Slack
// button press is answered 200 at once and does its work after that answer (a slow command too,
// after "Working on it…"); Slack will not send it again. An API process stopped just after such an
// answer (a rolling deploy, a scale-down) finishes that work before it exits.

const SIGNING_SECRET = 'slack-signing-secret-0123456789';
let database: TestDatabase;
let slack: FakeSlack;
let sql: pg.Client;
let api: HubProcess;
let port = 0;
let slackId = '';
let tenantId = '';
const prefix = uniquePrefix('deploy-button');

function start(role: 'api'): HubProcess {
  return spawnHub(['start'], {
    NODE_ENV: 'production',
    HUB_MASTER_KEYS: TEST_MASTER_KEYS,
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    HUB_QUEUE_PREFIX: prefix,
    HUB_ROLE: role,
    HUB_SHUTDOWN_TIMEOUT_MS: '10000',
    LOG_LEVEL: 'info',
  });
}

beforeAll(async () => {
  database = await createTestDatabase('deploy_sigterm_button');
  // Slack's Web API (users.info, which a press looks up first) answering in 300 ms.
  slack = await startFakeSlack({ users: { U0OPS: { name: 'olivia', email: 'ops@acme.example' }, U0OPS2: { name: 'oscar', email: 'oscar@acme.example' } }, answerDelayMs: 300 });
  api = start('api');
  port = await api.started;
  const token = ADMIN_TOKEN.exec(api.stdout())![1]!;
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  const created = async (body: unknown) => {
    const answer = await callHubApi(port, token, 'POST', '/api/integrations', body);
    expect(answer.status, JSON.stringify(answer.json)).toBe(201);
    return answer.json.id as string;
  };
  slackId = await created({ connector: 'slack', name: 'Slack', config: { slackApiUrl: slack.apiUrl }, credentials: { botToken: slack.botToken, signingSecret: SIGNING_SECRET } });
  const servicenowId = await created({ connector: 'servicenow', name: 'SN prod', config: { instanceUrl: 'http://127.0.0.1:9' }, credentials: { auth: { type: 'basic', username: 'svc', password: 'pw-123456' } }, schedules: SERVICENOW_SCHEDULES_OFF });
  tenantId = (await sql.query<{ id: string }>(`select id from tenants where slug = 'default'`)).rows[0]!.id;
  await sql.query(`insert into users (tenant_id, email, name, role) values ($1, 'ops@acme.example', 'Olivia', 'operator'), ($1, 'oscar@acme.example', 'Oscar', 'operator')`, [tenantId]);
  // Two open tasks, as failures open them (TASK-1, TASK-2).
  for (const [number, code] of [[1, 'auth_invalid'], [2, 'rate_limited']] as const) {
    await sql.query(`insert into tasks (tenant_id, number, integration_id, code, runbook, title, severity, status) values ($1, $2, $3, $4, $4, 'SN prod failing', 'high', 'open')`, [tenantId, number, servicenowId, code]);
  }
}, 120_000);

afterAll(async () => {
  await api?.stop('SIGKILL');
  await sql?.end();
  await slack?.close();
  await database?.drop();
});

async function pressAcknowledge(taskKey: string, responseId: string, userId: string): Promise<number> {
  const payload = blockActionPayload({ userId, teamId: 'T0001', actionId: 'task_ack', value: taskKey, channelId: 'C0ALERTS', messageTs: '1.1', responseUrl: slack.responseUrl(responseId) });
  const body = interactionBody(payload);
  const response = await fetch(`http://127.0.0.1:${port}/hooks/${slackId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest(SIGNING_SECRET, body) },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

const taskStatus = async (number: number): Promise<string> =>
  (await sql.query<{ status: string }>(`select status from tasks where tenant_id = $1 and number = $2`, [tenantId, number])).rows[0]!.status;

describe('SIGTERM to an API process just after it answered a Slack button press', { timeout: 120_000 }, () => {
  it('without a stop, Acknowledge acknowledges the task and replies on response_url', async () => {
    expect(await pressAcknowledge('TASK-1', 'control', 'U0OPS')).toBe(200);
    await waitFor('the reply', async () => slack.responses.find((r) => r.id === 'control'), 10_000);
    expect(await taskStatus(1)).toBe('acknowledged');
  });

  it('the graceful stop lets the acknowledged press finish: the task acknowledged, the person told', async () => {
    expect(await pressAcknowledge('TASK-2', 'during-stop', 'U0OPS2')).toBe(200);
    const stopping = Date.now();
    expect(await api.stop('SIGTERM')).toBe(0);
    const stopMs = Date.now() - stopping;
    await sleep(1000);
    expect({
      stopMs: stopMs < 10_000,
      task: await taskStatus(2),
      replies: slack.responses.filter((r) => r.id === 'during-stop').length,
    }, `stop took ${stopMs} ms of its 10000 ms budget`).toEqual({ stopMs: true, task: 'acknowledged', replies: 1 });
  });
});
