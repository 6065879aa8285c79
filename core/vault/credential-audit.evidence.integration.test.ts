import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPTED_PASSWORD, startRotationWorld, type RotationWorld } from './rotation-world.testing.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';

describe.each(RUNTIME_MODES)('the credential audit as evidence, on $name', ({ options }) => {
  let w: RotationWorld;
  beforeAll(async () => {
    w = await startRotationWorld('audit_cred_evidence', options);
  });
  afterAll(async () => {
    await w?.close();
  });

  // README: GET /credentials/audit is "every credential step: who, approver, when, reason, old and
  // new fingerprint, expiry". Moving the expiry of the stored secret (pushing it out a year stops
  // the reminders and auth_expired) is such a step: who set which date, and from what.
  it('records an expiry change of the stored credentials in the credential audit', async () => {
    const integration = await w.createIntegration('SN expiry', '2030-06-01T00:00:00Z');
    const patched = await w.test.request('patch', `/api/integrations/${integration.id}`, { token: w.tenant.tokens.admin, body: { credentialsExpiresAt: '2031-06-01T00:00:00Z' } });
    expect(patched.status).toBe(200);
    const entries: Array<{ action: string; expiresAt: string | null }> = await w.auditOf(integration.id);
    expect(entries[0]).toMatchObject({ action: 'expiry_changed', actor: expect.any(String), expiresAt: '2031-06-01T00:00:00.000Z', reason: 'expiry was 2030-06-01T00:00:00.000Z' });
    // The same date again is no step.
    await w.test.request('patch', `/api/integrations/${integration.id}`, { token: w.tenant.tokens.admin, body: { credentialsExpiresAt: '2031-06-01T00:00:00Z' } });
    expect((await w.auditOf(integration.id)).filter((entry: { action: string }) => entry.action === 'expiry_changed')).toHaveLength(1);
  });

  // The credential audit of an integration (who rotated, who approved, fingerprints) is evidence: it
  // outlives the integration, and the API still answers it by the deleted integration's id.
  it('keeps the credential audit of an integration after it is deleted', async () => {
    const integration = await w.createIntegration('SN deleted');
    expect((await w.rotate(integration.id, ACCEPTED_PASSWORD)).status).toBe(200);
    const before = await w.test.hub.db.selectFrom('integration_credentials_audit').select('action').where('integration_id', '=', integration.id).execute();
    expect(before.map((row) => row.action).sort()).toEqual(['rotated', 'set']);

    const deleted = await w.test.request('delete', `/api/integrations/${integration.id}`, { token: w.tenant.tokens.admin });
    expect(deleted.status).toBe(204);
    const after = await w.test.hub.db.selectFrom('integration_credentials_audit').select('action').where('integration_id', '=', integration.id).execute();
    expect(after.map((row) => row.action).sort(), 'credential audit rows left after DELETE').toEqual(['rotated', 'set']);
    const served = await w.test.request('get', `/api/integrations/${integration.id}/credentials/audit`, { token: w.tenant.tokens.operator });
    expect(served.status).toBe(200);
    expect((await served.json()).entries.map((entry: { action: string }) => entry.action).sort()).toEqual(['rotated', 'set']);
    // An id that never had an integration is still unknown.
    const unknown = await w.test.request('get', `/api/integrations/${crypto.randomUUID()}/credentials/audit`, { token: w.tenant.tokens.operator });
    expect(unknown.status).toBe(404);
  });
});
