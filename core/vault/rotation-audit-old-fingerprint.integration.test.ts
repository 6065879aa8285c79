import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPTED_PASSWORD, startRotationWorld, type RotationWorld } from './rotation-world.testing.ts';
import { updateTenantSettings } from '../tenancy/tenant-settings.ts';

// The credential audit names the stored secret each step was about by its fingerprint. A rotation
// that failed its check, or waits for approval, left the stored credentials in place: its entry's
// old fingerprint is theirs, not null, so the evidence shows which secret was in use.

describe('the old fingerprint of rotation steps that change nothing yet', () => {
  let world: RotationWorld;

  beforeAll(async () => {
    world = await startRotationWorld('rotation_old_fingerprint');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('is the stored secret\'s on a rotation whose check failed', async () => {
    const integration = await world.createIntegration('check-failed-fingerprint');
    expect((await world.rotate(integration.id, 'wrong-password')).status).toBe(422);
    const [failed, set] = await world.auditOf(integration.id);
    expect(set).toMatchObject({ action: 'set', oldFingerprint: null });
    expect(failed).toMatchObject({ action: 'rotation_check_failed', oldFingerprint: set.newFingerprint });
    expect(failed.newFingerprint).not.toBe(set.newFingerprint);
  });

  it('is the stored secret\'s on a rotation that waits for approval', async () => {
    const { test, tenant } = world;
    const integration = await world.createIntegration('requested-fingerprint');
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    try {
      expect((await world.rotate(integration.id, ACCEPTED_PASSWORD)).status).toBe(202);
    } finally {
      await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
    }
    const [requested, set] = await world.auditOf(integration.id);
    expect(requested).toMatchObject({ action: 'rotation_requested', oldFingerprint: set.newFingerprint });
  });
});
