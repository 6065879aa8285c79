import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { databaseText, findLeaks, leakForms, redisText } from '../../test-support/secret-scan.ts';
import { startTestHub, type TestHub, type TestResponse, type TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { signedServiceNowPush } from '../../test-support/servicenow-push.ts';
import { captureLog } from '../../test-support/captured-log.ts';

// Plants canary secrets, drives the main flows — including upstreams that echo the credentials
// back in error bodies — then scans logs, HTTP responses, Redis and every non-ciphertext database
// column for the canaries, as is and encoded. Nothing may be found.

const canary = (name: string) => `CANARY${name}${randomBytes(6).toString('hex')}`;
const secrets = {
  password: canary('pw'),
  rotatedPassword: canary('rot'),
  wrongPassword: canary('bad'),
  clientSecret: canary('cs'),
  oauthPassword: canary('op'),
  webhookSecret: `whsec_${randomBytes(32).toString('base64')}`,
};

const log = captureLog();
let test: TestHub;
let tenant: TestTenant;
let fake: FakeServiceNow;
const responses: string[] = [];

beforeAll(async () => {
  fake = await startFakeServiceNow({
    auth: {
      basic: { user: 'svc-grc', pass: secrets.password },
      oauth: { clientId: 'hub-client', clientSecret: secrets.clientSecret, users: { 'svc-oauth': secrets.oauthPassword } },
    },
  });
  fake.records.seed('incident', 7);
  test = await startTestHub({ label: 'no_leak', database: 'postgres', queue: 'bullmq', workers: true, logTo: log.stream });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
  await fake?.close();
});

async function call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse> {
  const response = await test.request(method, path, { token: tenant.tokens.admin, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
  const text = await response.clone().text();
  responses.push(`${method} ${path} ${response.status} ${JSON.stringify([...response.headers])} ${text}`);
  return response;
}

async function syncAndWait(id: string) {
  const { runs } = await (await call('post', `/api/integrations/${id}/sync`, { stream: 'incident' })).json();
  return waitFor('the run', async () => {
    const run = await (await call('get', `/api/runs/${runs[0].id}`)).json();
    return ['succeeded', 'failed'].includes(run.status) ? run : undefined;
  });
}

describe('secrets', { timeout: 60_000 }, () => {
  it('appear in no log, response, Redis key or value, or clear database column', async () => {
    const basic = await (
      await call('post', '/api/integrations', {
        connector: 'servicenow', name: 'SN basic', config: { instanceUrl: fake.url },
        credentials: { auth: { type: 'basic', username: 'svc-grc', password: secrets.password }, webhookSecret: secrets.webhookSecret },
        schedules: SERVICENOW_SCHEDULES_OFF,
      })
    ).json();
    await call('post', `/api/integrations/${basic.id}/check`);
    expect((await syncAndWait(basic.id)).status).toBe('succeeded');

    // Upstreams that echo what they were sent: a 500 and a 401 whose bodies carry the secrets.
    const echo = { error: { message: `bad request from svc-grc:${secrets.password}`, detail: `Authorization: Basic ${Buffer.from(`svc-grc:${secrets.password}`).toString('base64')}` } };
    fake.failNext(3, { status: 500, body: echo, path: '/api/now/table/incident' });
    await syncAndWait(basic.id);
    fake.failNext(1, { status: 401, body: echo, path: '/api/now/table/incident' });
    expect((await syncAndWait(basic.id)).errorCode).toBe('auth_invalid');

    const oauth = await (
      await call('post', '/api/integrations', {
        connector: 'servicenow', name: 'SN oauth', config: { instanceUrl: fake.url },
        credentials: { auth: { type: 'oauth2', grant: 'password', clientId: 'hub-client', clientSecret: secrets.clientSecret, username: 'svc-oauth', password: secrets.oauthPassword } },
        schedules: SERVICENOW_SCHEDULES_OFF,
      })
    ).json();
    expect((await syncAndWait(oauth.id)).status).toBe('succeeded');

    const push = signedServiceNowPush(secrets.webhookSecret, { table: 'incident', action: 'update', record: { sys_id: 'b'.repeat(32), priority: '1' } }, { id: 'msg_1' });
    await call('post', `/hooks/${basic.id}`, push.body, push.headers);
    // The secret itself sent as a signature: refused, and it must not be echoed anywhere.
    await call('post', `/hooks/${basic.id}`, push.body, { ...push.headers, 'webhook-id': 'msg_2', 'webhook-signature': `v1,${Buffer.from(secrets.webhookSecret).toString('base64')}` });

    await call('post', `/api/integrations/${basic.id}/credentials/rotate`, { credentials: { auth: { type: 'basic', username: 'svc-grc', password: secrets.wrongPassword } } });
    fake.setAuth({ basic: { user: 'svc-grc', pass: secrets.rotatedPassword }, oauth: { clientId: 'hub-client', clientSecret: secrets.clientSecret, users: { 'svc-oauth': secrets.oauthPassword } } });
    const rotated = await call('post', `/api/integrations/${basic.id}/credentials/rotate`, {
      credentials: { auth: { type: 'basic', username: 'svc-grc', password: secrets.rotatedPassword }, webhookSecret: secrets.webhookSecret },
    });
    expect(rotated.status).toBe(200);
    for (const path of ['/api/integrations', `/api/integrations/${basic.id}`, `/api/integrations/${basic.id}/credentials/audit`, `/api/integrations/${basic.id}/credentials/rotations`, '/api/runs', '/api/events', '/api/tasks', '/api/audit', '/api/connectors']) {
      expect((await call('get', path)).status).toBe(200);
    }
    responses.push(await (await test.request('get', '/metrics')).text());

    const planted = [...Object.values(secrets), ...fake.tokens.flatMap((t) => [t.accessToken, ...(t.refreshToken ? [t.refreshToken] : [])])];
    expect(fake.tokens.length).toBeGreaterThan(0);
    const forms = leakForms(planted, [['svc-grc', secrets.password], ['svc-grc', secrets.rotatedPassword], ['hub-client', secrets.clientSecret]]);

    const leaks = [
      ...findLeaks('logs', log.text(), forms),
      ...findLeaks('HTTP responses', responses.join('\n'), forms),
      ...findLeaks('Redis', await redisText(test.hub.config.HUB_QUEUE_PREFIX), forms),
      ...(await databaseText(test.hub.db)).flatMap(({ table, text }) => findLeaks(`table ${table}`, text, forms)),
    ];
    expect(leaks).toEqual([]);
    // The scan looked at real material: logs, responses and Redis all hold data.
    expect(log.text().length).toBeGreaterThan(1000);
    expect(log.text()).toContain('"msg":"request"');
    expect((await redisText(test.hub.config.HUB_QUEUE_PREFIX)).length).toBeGreaterThan(100);
    // And the secrets do exist, sealed: the scan would find them if a column held them in clear.
    const sealedRow = await test.hub.db.selectFrom('integration_configs').select('credentials_ciphertext').where('id', '=', basic.id).executeTakeFirstOrThrow();
    expect(sealedRow.credentials_ciphertext).toBeTruthy();
    expect(findLeaks('planted check', `x ${secrets.password} y`, forms)).toHaveLength(1);
  });
});
