import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetFingerprintKeys } from './fingerprint.ts';
import { ACCEPTED_PASSWORD, startRotationWorld, type RotationWorld } from './rotation-world.testing.ts';

// Embedded PGlite has one connection: an approval swaps the credentials in a transaction, and the
// fingerprints it records there must be computed through that transaction. A process that had not
// read the tenant's fingerprint key yet (just restarted, as the CLI needs it to be to make the
// second admin's token) waited on itself for good, and the whole hub with it.

let world: RotationWorld;

beforeAll(async () => {
  world = await startRotationWorld('rotation_embedded', { database: 'pglite', queue: 'memory' });
});
afterAll(async () => {
  await world?.close();
});

describe('credential rotation approval on embedded PGlite', () => {
  it('approves in a process that has not read the fingerprint key yet, and the hub answers on', async () => {
    const { test, tenant, secondAdmin } = world;
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    const integration = await world.createIntegration('rotate-embedded');
    const pending = await world.rotate(integration.id, ACCEPTED_PASSWORD);
    expect(pending.status).toBe(202);
    const { rotation } = await pending.json();

    forgetFingerprintKeys();
    const approval = test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${rotation.id}/approve`, { token: secondAdmin });
    const answered = await Promise.race([approval, new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), 15_000))]);
    expect(answered === 'no answer' ? answered : answered.status).toBe(200);
    expect((await test.request('get', '/api/health', {})).status).toBe(200);
    const audit = await world.auditOf(integration.id);
    expect(audit[0]).toMatchObject({ action: 'rotation_approved', oldFingerprint: expect.stringMatching(/^fp_/), newFingerprint: expect.stringMatching(/^fp_/) });
  });
});
