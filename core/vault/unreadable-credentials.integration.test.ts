import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';

// A stored credential that cannot be decrypted (restored into another row, tampered with, or
// sealed with a key this process lacks) fails every run with config_invalid. New credentials are
// the way out (the runbook's PATCH, the admin UI's rotation), so replacing them must not need the
// old ones opened: the audit entry then records no old fingerprint.

let test: TestHub;
let tenant: TestTenant;
let fake: FakeServiceNow;

beforeAll(async () => {
  fake = await startFakeServiceNow({ auth: { basic: { user: 'svc-grc', pass: 'good-password-123' } } });
  test = await startTestHub({ label: 'unreadable_credentials', database: 'postgres', queue: 'memory' });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
  await fake?.close();
});

async function unreadableIntegration(name: string): Promise<string> {
  const create = async (n: string) =>
    (await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'servicenow', name: n, config: { instanceUrl: fake.url }, credentials: { auth: { type: 'basic', username: 'svc-grc', password: 'old-password-123' } }, schedules: SERVICENOW_SCHEDULES_OFF },
    })).json();
  const target = await create(name);
  const other = await create(`${name} (other)`);
  // The other row's (valid) ciphertext in this row: authentication fails, as for any misplaced secret.
  const donor = await test.hub.db.selectFrom('integration_configs').select(['credentials_ciphertext', 'credentials_key_version']).where('id', '=', other.id).executeTakeFirstOrThrow();
  await test.hub.db.updateTable('integration_configs').set(donor).where('id', '=', target.id).execute();
  const check = await (await test.request('post', `/api/integrations/${target.id}/check`, { token: tenant.tokens.admin })).json();
  expect(JSON.stringify(check)).toContain('cannot be decrypted');
  return target.id as string;
}

const good = { auth: { type: 'basic', username: 'svc-grc', password: 'good-password-123' } };

describe('an integration whose stored credentials cannot be decrypted', () => {
  it('can be repaired by rotating its credentials (POST …/credentials/rotate)', async () => {
    const id = await unreadableIntegration('SN rotate');
    const response = await test.request('post', `/api/integrations/${id}/credentials/rotate`, { token: tenant.tokens.admin, body: { credentials: good, reason: 'repair' } });
    expect(response.status, await response.clone().text()).toBe(200);
    const check = await (await test.request('post', `/api/integrations/${id}/check`, { token: tenant.tokens.admin })).json();
    expect(check.ok).toBe(true);
    const [entry] = (await (await test.request('get', `/api/integrations/${id}/credentials/audit`, { token: tenant.tokens.operator })).json()).entries;
    expect(entry).toMatchObject({ oldFingerprint: null, newFingerprint: expect.stringMatching(/^fp_/) });
  });

  it('can be repaired by PATCH with new credentials', async () => {
    const id = await unreadableIntegration('SN patch');
    const response = await test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { credentials: good } });
    expect(response.status, await response.clone().text()).toBe(200);
    const check = await (await test.request('post', `/api/integrations/${id}/check`, { token: tenant.tokens.admin })).json();
    expect(check.ok).toBe(true);
    const [entry] = (await (await test.request('get', `/api/integrations/${id}/credentials/audit`, { token: tenant.tokens.operator })).json()).entries;
    expect(entry).toMatchObject({ oldFingerprint: null, newFingerprint: expect.stringMatching(/^fp_/) });
  });
});
