import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeOAuthSettings, type FakeServiceNow, type LoggedRequest } from '../../test-support/fake-servicenow/index.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { createServiceNowIntegration } from '../../test-support/servicenow-integration.ts';

// The ServiceNow connector's OAuth grants and its change_request / sc_task streams through the
// whole runtime, against the fake instance: what the token endpoint and the Table API were sent
// is read back from the fake's request log.

const CLIENT = { clientId: 'hub-client', clientSecret: 'client-secret-123' };
const OAUTH_USER = { username: 'svc-oauth', password: 'oauth-pass-123' };
const BASIC = { user: 'svc-grc', pass: 'correct-horse' };

/** The fake's OAuth setup; client credentials stay off unless a test turns them on, as on a real instance. */
const oauthSettings = (clientCredentialsEnabled = false): FakeOAuthSettings => ({
  ...CLIENT,
  users: { [OAUTH_USER.username]: OAUTH_USER.password },
  clientCredentialsEnabled,
  clientCredentialsUser: 'oauth-app-user',
});

const tokenRequests = (requests: LoggedRequest[]) => requests.filter((r) => r.method === 'POST' && r.path === '/oauth_token.do');
const form = (request: LoggedRequest | undefined) => new URLSearchParams(request?.body ?? '');

describe.each(RUNTIME_MODES)('ServiceNow OAuth grants and change/catalog-task streams on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let fake: FakeServiceNow;

  beforeAll(async () => {
    fake = await startFakeServiceNow({ auth: { basic: BASIC, oauth: oauthSettings() } });
    test = await startTestHub({ label: 'sn_auth_streams', ...options, workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
    await fake?.close();
  });

  const createServiceNow = (name: string, auth: Record<string, unknown>) =>
    createServiceNowIntegration(test, tenant, { name, environment: 'staging', instanceUrl: fake.url, config: { pageSize: 5 }, credentials: { auth } });

  const check = async (id: string) => (await test.request('post', `/api/integrations/${id}/check`, { token: tenant.tokens.operator })).json();

  const sync = async (id: string, stream = 'incident') => {
    const { runs } = await (await test.request('post', `/api/integrations/${id}/sync`, { token: tenant.tokens.operator, body: { stream } })).json();
    return waitFor(`the ${stream} run`, async () => {
      const run = await (await test.request('get', `/api/runs/${runs[0].id}`, { token: tenant.tokens.viewer })).json();
      return ['succeeded', 'failed'].includes(run.status) ? run : undefined;
    });
  };

  const eventsOfRun = async (runId: string) => (await (await test.request('get', `/api/events?runId=${runId}`, { token: tenant.tokens.viewer })).json()).events;

  it('password grant: checks and syncs, then renews an expired access token with the refresh token, client id/secret in the body', async () => {
    fake.setAuth({ basic: BASIC, oauth: oauthSettings() });
    fake.records.seed('incident', 3, (i) => ({ short_description: `OAuth incident ${i}` }));
    const integration = await createServiceNow('SN oauth password', { type: 'oauth2', grant: 'password', ...CLIENT, ...OAUTH_USER });

    const before = fake.requests.length;
    expect(await check(integration.id)).toMatchObject({ ok: true });
    const first = await sync(integration.id);
    expect(first).toMatchObject({ status: 'succeeded', records: { new: fake.records.list('incident').length } });

    // One password grant serves the check and the sync: the token is kept between runs.
    const issuing = tokenRequests(fake.requests.slice(before));
    expect(issuing).toHaveLength(1);
    expect(issuing[0]?.status).toBe(200);
    expect(issuing[0]?.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(issuing[0]?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(form(issuing[0]))).toMatchObject({ grant_type: 'password', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, ...OAUTH_USER });
    const passwordToken = fake.tokens.at(-1);
    expect(passwordToken).toMatchObject({ grantType: 'password', user: OAUTH_USER.username });
    const apiCalls = fake.requests.slice(before).filter((r) => r.path.startsWith('/api/now/table/incident'));
    expect(apiCalls.length).toBeGreaterThan(0);
    expect(apiCalls.every((r) => r.headers.authorization === `Bearer ${passwordToken?.accessToken}` && r.user === OAUTH_USER.username)).toBe(true);

    // The instance expires the access token; the hub still thinks it has 29 minutes left.
    for (const issued of fake.tokens) issued.accessExpiresAt = new Date(Date.now() - 1000);
    const sysId = String(fake.records.list('incident')[0]?.sys_id);
    fake.records.touch('incident', sysId, { short_description: 'Changed while the token expired' });

    const beforeRenewal = fake.requests.length;
    const renewed = await sync(integration.id);
    expect(renewed).toMatchObject({ status: 'succeeded', errorCode: null, records: { new: 0, changed: 1 } });

    const renewal = tokenRequests(fake.requests.slice(beforeRenewal));
    expect(renewal).toHaveLength(1);
    expect(renewal[0]?.status).toBe(200);
    expect(renewal[0]?.headers.authorization).toBeUndefined();
    const renewalForm = form(renewal[0]);
    expect(Object.fromEntries(renewalForm)).toMatchObject({ grant_type: 'refresh_token', refresh_token: passwordToken?.refreshToken, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    // The password is not sent again while the refresh token is good.
    expect(renewalForm.has('password')).toBe(false);
    expect(renewal[0]?.body).not.toContain(OAUTH_USER.password);

    const refreshedToken = fake.tokens.at(-1);
    expect(refreshedToken).toMatchObject({ grantType: 'refresh_token', user: OAUTH_USER.username });
    const calls = fake.requests.slice(beforeRenewal).filter((r) => r.path.startsWith('/api/now/table/incident'));
    // The expired token is refused once; the retry carries the renewed one.
    expect(calls[0]).toMatchObject({ status: 401, headers: { authorization: `Bearer ${passwordToken?.accessToken}` } });
    expect(calls.at(-1)).toMatchObject({ status: 200, headers: { authorization: `Bearer ${refreshedToken?.accessToken}` } });
    const { events } = await (await test.request('get', `/api/events?runId=${renewed.id}`, { token: tenant.tokens.viewer })).json();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'incident.updated', externalId: sysId, payload: { short_description: 'Changed while the token expired' } });
  });

  it('client-credentials grant: the check fails with config_invalid and its runbook while the instance has it off; once on, check and sync succeed', async () => {
    fake.setAuth({ basic: BASIC, oauth: oauthSettings(false) });
    fake.records.seed('incident', 2, (i) => ({ short_description: `App user incident ${i}` }));
    const integration = await createServiceNow('SN oauth client credentials', { type: 'oauth2', grant: 'client_credentials', ...CLIENT });

    const beforeOff = fake.requests.length;
    const refused = await check(integration.id);
    expect(refused).toMatchObject({ ok: false, error: { code: 'config_invalid', runbook: 'runbooks/config_invalid.md' } });
    expect(refused.error.message).toContain('unsupported_grant_type');
    const offRequests = fake.requests.slice(beforeOff);
    expect(tokenRequests(offRequests).map((r) => ({ grant: form(r).get('grant_type'), status: r.status }))).toEqual([{ grant: 'client_credentials', status: 400 }]);
    // Without a token the hub never called the Table API.
    expect(offRequests.filter((r) => r.path.startsWith('/api/'))).toEqual([]);

    // An admin sets glide.oauth.inbound.client.credential.grant_type.enabled=true.
    fake.setAuth({ basic: BASIC, oauth: oauthSettings(true) });
    const beforeOn = fake.requests.length;
    const passed = await check(integration.id);
    expect(passed).toMatchObject({ ok: true });
    expect(passed.detail).toContain('as the OAuth application user');
    const run = await sync(integration.id);
    expect(run).toMatchObject({ status: 'succeeded', errorCode: null, records: { new: fake.records.list('incident').length } });

    const onRequests = fake.requests.slice(beforeOn);
    const issuing = tokenRequests(onRequests);
    expect(issuing).toHaveLength(1);
    expect(issuing[0]?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(form(issuing[0]))).toMatchObject({ grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    expect(fake.tokens.at(-1)).toMatchObject({ grantType: 'client_credentials', user: 'oauth-app-user' });
    expect(fake.tokens.at(-1)?.refreshToken).toBeUndefined();
    // Every Table API call ran as the OAuth Application User.
    const apiCalls = onRequests.filter((r) => r.path.startsWith('/api/now/table/'));
    expect(apiCalls.length).toBeGreaterThan(0);
    expect(new Set(apiCalls.map((r) => `${r.status} ${r.user}`))).toEqual(new Set(['200 oauth-app-user']));
  });

  it('syncs the change_request and sc_task streams, each from its own table', async () => {
    fake.setAuth({ basic: BASIC, oauth: oauthSettings() });
    const changes = fake.records.seed('change_request', 7, (i) => ({ short_description: `Change ${i}`, type: 'normal' }));
    const tasks = fake.records.seed('sc_task', 3, (i) => ({ short_description: `Catalog task ${i}` }));
    const integration = await createServiceNow('SN streams', { type: 'basic', username: BASIC.user, password: BASIC.pass });

    for (const [stream, seeded, count, prefix] of [['change_request', changes, 7, 'CHG'], ['sc_task', tasks, 3, 'SCTASK']] as const) {
      const before = fake.requests.length;
      const run = await sync(integration.id, stream);
      expect(run).toMatchObject({ status: 'succeeded', stream, records: { seen: count, new: count, changed: 0 } });
      // pageSize 5: change_request takes two pages.
      expect(run.pages).toBeGreaterThanOrEqual(Math.ceil(count / 5));

      const tables = new Set(fake.requests.slice(before).filter((r) => r.path.startsWith('/api/now/table/')).map((r) => r.path));
      expect(tables).toEqual(new Set([`/api/now/table/${stream}`]));

      const events = await eventsOfRun(run.id);
      expect(events).toHaveLength(count);
      expect(new Set(events.map((e: { type: string }) => e.type))).toEqual(new Set([`${stream}.created`]));
      expect(events.every((e: { stream: string }) => e.stream === stream)).toBe(true);
      expect(new Set(events.map((e: { externalId: string }) => e.externalId))).toEqual(new Set(seeded.map((r) => r['sys_id'])));
      const numbers = new Map(seeded.map((r) => [r['sys_id'], r['number']]));
      for (const event of events) {
        expect(event.payload.number).toBe(numbers.get(event.externalId));
        expect(event.payload.number).toMatch(new RegExp(`^${prefix}\\d+$`));
      }
    }

    const all = (await (await test.request('get', `/api/events?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json()).events;
    expect(all).toHaveLength(10);
    expect(all.filter((e: { type: string }) => e.type.startsWith('incident.'))).toEqual([]);
  });
});
