import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../audit/audit.repository.ts';
import { createApiToken, issueApiToken } from '../auth/api-token.service.ts';
import { userPrincipal } from '../../admin-ui/auth/session.service.ts';
import { createUser } from '../users/user.service.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { ACCEPTED_PASSWORD, startRotationWorld, type RotationWorld } from './rotation-world.testing.ts';
import { seal } from './secret-box.ts';

// A rotation left pending by a hub from before migration 0011 has no requester person, only its
// requesting token or user in the audit log. After the upgrade, the tokens that person makes (with
// that token, or as that user on the admin UI's token page) still count as the requester.

let world: RotationWorld;
let test: TestHub;
let tenant: TestTenant;

beforeAll(async () => {
  world = await startRotationWorld('rotation_upgrade');
  ({ test, tenant } = world);
});
afterAll(async () => {
  await world?.close();
});

/**
 * An integration with a rotation pending as a hub from before migration 0011 wrote it: no
 * requester person, the requesting token or user in the audit log only.
 */
async function legacyPendingRotation(name: string, requestedBy: string, actor: { actorType: 'token' | 'user'; actorId: string }) {
  const integration = await world.createIntegration(name);
  const rotation = await test.hub.db
    .insertInto('credential_rotations')
    .values({ tenant_id: tenant.id, integration_id: integration.id, status: 'pending_approval', requested_by: requestedBy, new_fingerprint: 'fp_legacy' })
    .returningAll()
    .executeTakeFirstOrThrow();
  const sealed = seal(test.hub.masterKeys, JSON.stringify(world.basic(ACCEPTED_PASSWORD)), { tenantId: tenant.id, owner: `rotation:${rotation.id}:credentials` });
  await test.hub.db.updateTable('credential_rotations').set({ credentials_ciphertext: sealed.ciphertext, credentials_key_version: sealed.keyVersion }).where('id', '=', rotation.id).execute();
  await recordAudit(test.hub.db, {
    tenantId: tenant.id, ...actor, action: 'credentials.rotation_requested', targetType: 'credential_rotation', targetId: rotation.id, detail: { integrationId: integration.id },
  });
  const approve = (token: string) => test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${rotation.id}/approve`, { token });
  return { approve };
}

describe('four eyes across the 0011 upgrade', () => {
  it('refuses a token made (after the upgrade) by the token that requested a pre-0011 pending rotation', async () => {
    const requester = await createApiToken(test.hub.db, { tenantId: tenant.id, role: 'admin', name: 'old-admin', createdBy: 'cli' });
    const { approve } = await legacyPendingRotation('legacy-pending', 'token:old-admin', { actorType: 'token', actorId: requester.row.id });
    // The requester's own token is refused…
    expect((await approve(requester.token)).status).toBe(403);
    // …and a token it makes now acts for the same person (README: "a token the requester made cannot approve").
    const second = await (await test.request('post', '/api/tokens', { token: requester.token, body: { name: 'second-hand', role: 'admin' } })).json();
    expect(second.person).toBe(`token:${requester.row.id}`);
    expect((await approve(second.token)).status).toBe(403);
  });

  it('refuses a token an admin UI user made for themselves (after the upgrade) on a rotation they requested before it', async () => {
    const alice = await createUser(test.hub.db, { tenantId: tenant.id, email: 'alice@example.com', name: 'Alice', role: 'admin', password: 'correct horse alice 1' });
    const { approve } = await legacyPendingRotation('legacy-pending-user', 'user:alice@example.com', { actorType: 'user', actorId: alice.id });
    // Alice makes a token on the admin UI's API tokens page: it acts for her (person user:<alice>).
    const { token } = await issueApiToken(test.hub, userPrincipal(alice, tenant.id), { name: 'alice-cli', role: 'admin' }, 'req-1');
    expect((await approve(token)).status).toBe(403);
    // Another admin still may.
    expect((await approve(tenant.tokens.admin)).status).toBe(200);
  });
});
