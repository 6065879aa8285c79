import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { startTestHub, TEST_MASTER_KEYS, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import { findIntegration } from '../integrations/integration.repository.ts';
import { integrationTokenStore } from '../integrations/oauth-token.store.ts';
import { parseMasterKeys, type MasterKeySet } from './master-keys.ts';
import { rotateMasterKey } from './master-key.rotation.ts';
import type { HubContext } from '../server/hub-context.ts';

// README, "Rotating the master key": deploy "2:<new>,1:<old>" everywhere, then `hub keys rotate`
// while the hub keeps running. A run whose connector context was built before the rotation reached
// its row refreshes the OAuth token after it did. The token store saves a token only while the
// credentials it was obtained with are still stored; re-encrypted by the rotation they have a new
// ciphertext but the same secret, and with the refresh-token grant of a provider that rotates
// refresh tokens (revoking the old one on use) dropping the new token would lock the integration out.

const keysOf = (text: string): MasterKeySet => {
  const parsed = parseMasterKeys(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.keys;
};
const both = keysOf(`2:${Buffer.alloc(32, 99).toString('base64')},${TEST_MASTER_KEYS}`);

let test: TestHub;
let tenant: TestTenant;
let fake: FakeServiceNow;
let hub: HubContext;

beforeAll(async () => {
  fake = await startFakeServiceNow({
    auth: { oauth: { clientId: 'hub-client', clientSecret: 'client-secret-1', users: { 'svc-grc': 'user-password-1' }, rotateRefreshTokens: true } },
  });
  test = await startTestHub({ label: 'mkr_oauth', database: 'postgres', queue: 'memory' });
  tenant = await test.createTenant('acme');
  // Every process restarted with the new key list (README step 1).
  hub = { ...test.hub, masterKeys: both };
});
afterAll(async () => {
  await test?.close();
  await fake?.close();
});

async function initialRefreshToken(): Promise<string> {
  const response = await fetch(`${fake.url}/oauth_token.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'hub-client', client_secret: 'client-secret-1', username: 'svc-grc', password: 'user-password-1' }).toString(),
  });
  const body = (await response.json()) as { refresh_token: string };
  return body.refresh_token;
}

describe('OAuth refresh during a master-key rotation', () => {
  it('keeps the rotated refresh token, so the integration stays authorised', async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'servicenow', name: 'SN refresh grant', config: { instanceUrl: fake.url },
        credentials: { auth: { type: 'oauth2', grant: 'refresh_token', clientId: 'hub-client', clientSecret: 'client-secret-1', refreshToken: await initialRefreshToken() } },
        schedules: SERVICENOW_SCHEDULES_OFF,
      },
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const connector = hub.connectors.get('servicenow');
    if (!connector) throw new Error('no servicenow connector');

    // A run starts: its context is built from the row as it is now (key version 1).
    const row = await findIntegration(hub.db, tenant.id, id);
    if (!row) throw new Error('row vanished');
    const ctx = connectorContext(hub, connector, row);

    // `hub keys rotate` re-encrypts that row meanwhile (nothing about the credentials changes).
    const result = await rotateMasterKey(hub.db, both);
    expect(result.rotated).toBeGreaterThan(0);

    // The run needs a token: the provider issues a new refresh token and revokes the configured one.
    await connector.check(ctx);
    expect(fake.tokens.filter((t) => t.grantType === 'refresh_token')).toHaveLength(1);

    // What the run obtained must have been kept: it is the only refresh token still valid.
    const stored = await integrationTokenStore(hub, tenant.id, id).load();
    expect(stored?.refreshToken, 'the rotated refresh token was dropped').toBe(fake.tokens.at(-1)?.refreshToken);

    // And the next run can still authenticate.
    const next = await findIntegration(hub.db, tenant.id, id);
    if (!next) throw new Error('row vanished');
    await expect(connector.check(connectorContext(hub, connector, next))).resolves.toBeDefined();
  });
});
