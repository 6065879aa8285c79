import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { startTestHub, TEST_MASTER_KEYS, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import { findIntegration } from '../integrations/integration.repository.ts';
import { resolveMasterKeys } from './master-key.file.ts';
import type { HubContext } from '../server/hub-context.ts';

// README, "Rotating the master key without downtime": during the rolling restart of step 1 some
// processes have the new key and some do not. What a restarted process writes then (here an OAuth
// token it obtained) must stay readable by those not restarted yet, so the new key is deployed for
// decryption only first (HUB_MASTER_KEY_ENCRYPT_VERSION) and made the encrypting one afterwards.

let test: TestHub;
let tenant: TestTenant;
let fake: FakeServiceNow;
let restarted: HubContext;
const newKeyList = `2:${Buffer.alloc(32, 42).toString('base64')},${TEST_MASTER_KEYS}`;

beforeAll(async () => {
  fake = await startFakeServiceNow({ auth: { oauth: { clientId: 'hub-client', clientSecret: 'client-secret-1', users: { 'svc-grc': 'user-password-1' } } } });
  test = await startTestHub({ label: 'rolling_keys', database: 'postgres', queue: 'memory' });
  tenant = await test.createTenant('acme');
  // Step 1a: a process restarted with the new key listed, but not yet encrypting with it.
  restarted = { ...test.hub, masterKeys: resolveMasterKeys(newKeyList, '', 1).keys };
});
afterAll(async () => {
  await test?.close();
  await fake?.close();
});

describe('a master-key rotation, rolling restart by rolling restart', () => {
  it('keeps integrations working on the processes not restarted yet', async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'servicenow', name: 'SN oauth', config: { instanceUrl: fake.url },
        credentials: { auth: { type: 'oauth2', grant: 'password', clientId: 'hub-client', clientSecret: 'client-secret-1', username: 'svc-grc', password: 'user-password-1' } },
        schedules: SERVICENOW_SCHEDULES_OFF,
      },
    });
    const { id } = await created.json();
    // Works on the old process.
    expect((await (await test.request('post', `/api/integrations/${id}/check`, { token: tenant.tokens.admin })).json()).ok).toBe(true);
    await test.hub.db.updateTable('integration_configs').set({ oauth_token_ciphertext: null, oauth_token_key_version: null }).where('id', '=', id).execute();

    const connector = test.hub.connectors.get('servicenow');
    if (!connector) throw new Error('no servicenow connector');
    const tokenVersion = async () => (await test.hub.db.selectFrom('integration_configs').select('oauth_token_key_version').where('id', '=', id).executeTakeFirstOrThrow()).oauth_token_key_version;
    const runOn = async (process: HubContext) => {
      await process.db.updateTable('integration_configs').set({ oauth_token_ciphertext: null, oauth_token_key_version: null }).where('id', '=', id).execute();
      const row = await findIntegration(process.db, tenant.id, id);
      if (!row) throw new Error('row vanished');
      await connector.check(connectorContext(process, connector, row));
    };

    // Step 1a: a restarted process runs it and stores the token it obtained, still with version 1.
    await runOn(restarted);
    expect(await tokenVersion()).toBe(1);
    // The process not restarted yet (still "1:<old>") runs it next.
    const check = await (await test.request('post', `/api/integrations/${id}/check`, { token: tenant.tokens.admin })).json();
    expect(check.ok, JSON.stringify(check.error)).toBe(true);

    // Step 1b: once every process lists version 2, it becomes the encrypting one, process by process;
    // what one that encrypts with it writes, one that does not yet can read.
    const switched: HubContext = { ...test.hub, masterKeys: resolveMasterKeys(newKeyList, '').keys };
    await runOn(switched);
    expect(await tokenVersion()).toBe(2);
    const row = await findIntegration(restarted.db, tenant.id, id);
    if (!row) throw new Error('row vanished');
    await expect(connector.check(connectorContext(restarted, connector, row))).resolves.toBeDefined();
    expect(await tokenVersion()).toBe(2);
  });
});
