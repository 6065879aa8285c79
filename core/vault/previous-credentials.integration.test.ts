import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { signedServiceNowPush } from '../../test-support/servicenow-push.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { forgetExpiredPreviousCredentials } from '../integrations/previous-credentials.ts';
import { ACCEPTED_PASSWORD, startRotationWorld, type RotationWorld } from './rotation-world.testing.ts';

// A sender (a ServiceNow Business Rule) switches to a new webhook secret by hand, after the hub has
// it: until then its deliveries are signed with the old one, which the hub keeps accepting for
// HUB_WEBHOOK_SECRET_GRACE_SECONDS (a day by default) unless an admin stops it sooner.

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe.each(RUNTIME_MODES)('webhooks signed with the replaced secret ($name)', ({ options }) => {
  let world: RotationWorld;

  beforeAll(async () => {
    world = await startRotationWorld('previous_credentials', options);
  });
  afterAll(async () => {
    await world?.close();
  });

  const admin = () => world.tenant.tokens.admin;
  const push = (integrationId: string, secret: string) => {
    const signed = signedServiceNowPush(secret, { table: 'incident', action: 'update', record: { sys_id: randomBytes(16).toString('hex'), sys_mod_count: '1' } });
    return world.test.request('post', `/hooks/${integrationId}`, signed);
  };
  /** Until the ingest's short-lived cache has the change: a delivery with `secret` answers `status`. */
  const untilAnswered = (integrationId: string, secret: string, status: number) =>
    waitFor(`a delivery answered ${status}`, async () => (await push(integrationId, secret)).status === status);
  const integrationView = async (id: string) => (await world.test.request('get', `/api/integrations/${id}`, { token: admin() })).json();

  async function integrationSigningWith(name: string, secret: string) {
    const response = await world.test.request('post', '/api/integrations', {
      token: admin(),
      body: { connector: 'servicenow', name, config: { instanceUrl: world.fake.url }, credentials: { ...world.basic(ACCEPTED_PASSWORD), webhookSecret: secret }, schedules: { incident: { enabled: false }, change_request: { enabled: false }, sc_task: { enabled: false } } },
    });
    expect(response.status).toBe(201);
    return response.json();
  }

  it('accepts the old secret after a rotation until an admin stops it, and the new one throughout', async () => {
    const [oldSecret, rotatedTo, stranger] = [newSecret(), newSecret(), newSecret()];
    const integration = await integrationSigningWith('previous-after-rotation', oldSecret);
    expect(integration.credentials.previousAcceptedUntil).toBeNull();

    const rotated = await world.test.request('post', `/api/integrations/${integration.id}/credentials/rotate`, {
      token: admin(), body: { credentials: { ...world.basic(ACCEPTED_PASSWORD), webhookSecret: rotatedTo }, reason: 'new webhook secret' },
    });
    expect(rotated.status).toBe(200);
    const started = Date.now();
    await untilAnswered(integration.id, rotatedTo, 202);

    const accepted = await push(integration.id, oldSecret);
    expect(accepted.status).toBe(202);
    expect((await accepted.json()).accepted).toBe(1);
    expect((await push(integration.id, stranger)).status).toBe(401);
    const until = Date.parse((await integrationView(integration.id)).credentials.previousAcceptedUntil);
    // A day by default, counted from the rotation.
    expect(until).toBeGreaterThan(started + 86_400_000 - 60_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 86_400_000);
    const metrics = await world.test.hub.metrics.registry.getSingleMetricAsString('hub_webhooks_previous_secret_total');
    expect(metrics).toMatch(/connector="servicenow"} [1-9]/);

    const revoked = await world.test.request('delete', `/api/integrations/${integration.id}/credentials/previous`, { token: admin() });
    expect(revoked.status).toBe(204);
    await untilAnswered(integration.id, oldSecret, 401);
    expect((await push(integration.id, rotatedTo)).status).toBe(202);
    expect((await integrationView(integration.id)).credentials.previousAcceptedUntil).toBeNull();

    // Once: a second stop finds nothing to stop and records nothing.
    expect((await world.test.request('delete', `/api/integrations/${integration.id}/credentials/previous`, { token: admin() })).status).toBe(204);
    const actions = (await world.auditOf(integration.id)).map((entry: { action: string }) => entry.action);
    expect(actions).toEqual(['previous_revoked', 'rotated', 'set']);
  });

  it('accepts the old secret after new credentials by PATCH, until its window has passed; then forgets it', async () => {
    const [oldSecret, patchedTo] = [newSecret(), newSecret()];
    const integration = await integrationSigningWith('previous-after-patch', oldSecret);
    const patched = await world.test.request('patch', `/api/integrations/${integration.id}`, {
      token: admin(), body: { credentials: { ...world.basic(ACCEPTED_PASSWORD), webhookSecret: patchedTo } },
    });
    expect(patched.status).toBe(200);
    expect((await patched.json()).credentials.previousAcceptedUntil).not.toBeNull();
    await untilAnswered(integration.id, patchedTo, 202);
    expect((await push(integration.id, oldSecret)).status).toBe(202);

    // The window ends.
    await sql`update integration_configs set previous_credentials_until = now() - interval '1 second' where id = ${integration.id}`.execute(world.test.hub.db);
    await untilAnswered(integration.id, oldSecret, 401);
    expect((await integrationView(integration.id)).credentials.previousAcceptedUntil).toBeNull();
    expect(await forgetExpiredPreviousCredentials(world.test.hub)).toBeGreaterThanOrEqual(1);
    const row = await world.test.hub.db.selectFrom('integration_configs').select(['previous_credentials_ciphertext', 'previous_credentials_key_version', 'previous_credentials_until']).where('id', '=', integration.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ previous_credentials_ciphertext: null, previous_credentials_key_version: null, previous_credentials_until: null });
  });

  it('keeps the old secret through a later change that keeps the new one, and none once webhooks are switched off', async () => {
    const [oldSecret, newOne] = [newSecret(), newSecret()];
    const integration = await integrationSigningWith('previous-through-password-change', oldSecret);
    const patchCredentials = (credentials: unknown) => world.test.request('patch', `/api/integrations/${integration.id}`, { token: admin(), body: { credentials } });
    expect((await patchCredentials({ ...world.basic(ACCEPTED_PASSWORD), webhookSecret: newOne })).status).toBe(200);
    const until = (await integrationView(integration.id)).credentials.previousAcceptedUntil;
    // A password change a minute later keeps the webhook secret: the old one's window stays.
    expect((await patchCredentials({ ...world.basic('another-password-3333'), webhookSecret: newOne })).status).toBe(200);
    expect((await integrationView(integration.id)).credentials.previousAcceptedUntil).toBe(until);
    await untilAnswered(integration.id, newOne, 202);
    expect((await push(integration.id, oldSecret)).status).toBe(202);

    // Credentials without a webhook secret switch webhooks off: no old secret is kept either.
    expect((await patchCredentials(world.basic(ACCEPTED_PASSWORD))).status).toBe(200);
    expect((await integrationView(integration.id)).credentials.previousAcceptedUntil).toBeNull();
    await untilAnswered(integration.id, newOne, 401);
    expect((await push(integration.id, oldSecret)).status).toBe(401);
  });

  it('lets only admins of the integration\'s own tenant stop the old secret', async () => {
    const integration = await integrationSigningWith('previous-access', newSecret());
    const path = `/api/integrations/${integration.id}/credentials/previous`;
    expect((await world.test.request('delete', path, { token: world.tenant.tokens.operator })).status).toBe(403);
    const other = await world.test.createTenant('other-previous');
    expect((await world.test.request('delete', path, { token: other.tokens.admin })).status).toBe(404);
    const missing = await world.test.request('delete', '/api/integrations/00000000-0000-4000-8000-000000000000/credentials/previous', { token: admin() });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
