import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { startTestHub, TEST_MASTER_KEYS, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { connectDatabase } from '../db/database.connect.ts';
import { integrationTokenStore } from './oauth-token.store.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';

// Two processes × 50 concurrent callers on one integration whose stored OAuth token has expired:
// exactly one request reaches the token endpoint, and every caller uses the token it returned.

const script = fileURLToPath(new URL('../../test-support/oauth-burst.script.ts', import.meta.url));
let test: TestHub;
let tenant: TestTenant;
let fake: FakeServiceNow;

beforeAll(async () => {
  fake = await startFakeServiceNow({ auth: { oauth: { clientId: 'hub-client', clientSecret: 'client-secret-1', users: { 'svc-grc': 'user-password-1' } } } });
  test = await startTestHub({ label: 'oauth_single_flight', database: 'postgres', queue: 'memory' });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
  await fake?.close();
});

function burst(integrationId: string, startAt: number): Promise<{ ok: number; errors: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: test.hub.config.DATABASE_URL ?? '', HUB_MASTER_KEYS: TEST_MASTER_KEYS, INTEGRATION_ID: integrationId, START_AT: String(startAt), CALLERS: '50' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`burst exited ${code}: ${err}`))));
  });
}

describe('OAuth token refresh', () => {
  it('is single-flight across processes: 2 × 50 callers on an expired token make one token request', async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'servicenow',
        name: 'SN oauth',
        config: { instanceUrl: fake.url },
        credentials: { auth: { type: 'oauth2', grant: 'password', clientId: 'hub-client', clientSecret: 'client-secret-1', username: 'svc-grc', password: 'user-password-1' } },
        schedules: SERVICENOW_SCHEDULES_OFF,
      },
    });
    const integration = await created.json();
    await integrationTokenStore(test.hub, tenant.id, integration.id).save({ accessToken: 'expired-token', expiresAt: new Date(Date.now() - 60_000) });

    const startAt = Date.now() + 2_500;
    const [a, b] = await Promise.all([burst(integration.id, startAt), burst(integration.id, startAt)]);
    expect(a).toEqual({ ok: 50, errors: [] });
    expect(b).toEqual({ ok: 50, errors: [] });

    const tokenRequests = fake.requests.filter((request) => request.path === '/oauth_token.do');
    expect(tokenRequests).toHaveLength(1);
    expect(fake.tokens).toHaveLength(1);
    const used = new Set(fake.requests.filter((r) => r.path.startsWith('/api/now/table')).map((r) => r.headers['authorization']));
    expect([...used]).toEqual([`Bearer ${fake.tokens[0]?.accessToken}`]);

    const stored = await integrationTokenStore(test.hub, tenant.id, integration.id).load();
    expect(stored?.accessToken).toBe(fake.tokens[0]?.accessToken);
  });
});

describe('OAuth token store', () => {
  it("makes the refresh token's lifetime the credential expiry when the refresh token is the credential", async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'servicenow',
        name: 'SN refresh grant',
        config: { instanceUrl: fake.url },
        credentials: { auth: { type: 'oauth2', grant: 'refresh_token', clientId: 'hub-client', clientSecret: 'client-secret-1', refreshToken: 'rt-initial' } },
        schedules: SERVICENOW_SCHEDULES_OFF,
      },
    });
    const integration = await created.json();
    const refreshExpiresAt = new Date(Date.now() + 30 * 24 * 3600 * 1000);
    await integrationTokenStore(test.hub, tenant.id, integration.id, { refreshTokenIsTheCredential: true }).save({ accessToken: 'a', refreshToken: 'r', expiresAt: new Date(), refreshExpiresAt });
    const after = await (await test.request('get', `/api/integrations/${integration.id}`, { token: tenant.tokens.viewer })).json();
    expect(after.credentials.expiresAt).toBe(refreshExpiresAt.toISOString());
    expect((await integrationTokenStore(test.hub, tenant.id, integration.id).load())?.refreshExpiresAt).toEqual(refreshExpiresAt);
  });
  it('refreshes more integrations at once than the pool has connections, without starving it', async () => {
    // Each refresh holds a connection for its lock; its load and save must run on that one.
    const small = await connectDatabase({ url: test.hub.config.DATABASE_URL, dataDir: test.hub.config.HUB_DATA_DIR, poolSize: 3 });
    try {
      const hub = { ...test.hub, db: small.db, database: small };
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const created = await test.request('post', '/api/integrations', {
          token: tenant.tokens.admin,
          body: {
            connector: 'servicenow',
            name: `SN pool ${i}`,
            config: { instanceUrl: fake.url },
            credentials: { auth: { type: 'oauth2', grant: 'password', clientId: 'hub-client', clientSecret: 'client-secret-1', username: 'svc-grc', password: 'user-password-1' } },
            schedules: SERVICENOW_SCHEDULES_OFF,
          },
        });
        ids.push((await created.json()).id);
      }
      const started = Date.now();
      await Promise.all(
        ids.map((id, i) => {
          const store = integrationTokenStore(hub, tenant.id, id);
          return store.exclusive?.(async () => {
            await store.load();
            await sleep(100); // the token endpoint answering
            await store.save({ accessToken: `fresh-${i}`, expiresAt: new Date(Date.now() + 3_600_000) });
          });
        }),
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      const saved = await Promise.all(ids.map((id) => integrationTokenStore(test.hub, tenant.id, id).load()));
      expect(saved.map((token) => token?.accessToken)).toEqual(ids.map((_, i) => `fresh-${i}`));
    } finally {
      await small.close();
    }
  });
});
