import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { expiryColumns, remindExpiringCredentials } from './credential-expiry.ts';
import { integrationTokenStore } from '../integrations/oauth-token.store.ts';
import { ACCEPTED_PASSWORD, startRotationWorld, type RotationWorld } from './rotation-world.testing.ts';
import { openCredentials } from '../integrations/integration-credentials.ts';
import { updateTenantSettings } from '../tenancy/tenant-settings.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';

const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

// Rotating credentials: the check with the new secret first, the swap and its audit, and what
// goes wrong around it (a failed apply, a token obtained with the old secret, moving expiry dates).
// Approval by a second admin is in credential-rotation.approval.integration.test.ts.

const DAY = 24 * 60 * 60 * 1000;

let world: RotationWorld;
let test: TestHub;
let tenant: TestTenant;
let secondAdmin: string;

beforeAll(async () => {
  world = await startRotationWorld('rotation', { workers: true });
  ({ test, tenant, secondAdmin } = world);
});
afterAll(async () => {
  await world?.close();
});

const basic = (password: string) => world.basic(password);
const createIntegration = (name: string, expiresAt?: string) => world.createIntegration(name, expiresAt);
const rotate = (...args: Parameters<RotationWorld['rotate']>) => world.rotate(...args);
const auditOf = (id: string) => world.auditOf(id);

describe('credential rotation', () => {
  it('checks the new secret first: on failure nothing changes and the answer carries code and runbook', async () => {
    const integration = await createIntegration('rotate-bad');
    const response = await rotate(integration.id, 'wrong-password');
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ error: { code: 'auth_invalid', runbook: 'runbooks/auth_invalid.md' } });
    const after = await (await test.request('get', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin })).json();
    expect(after.credentials.hint).toBe(integration.credentials.hint);
    const audit = await auditOf(integration.id);
    expect(audit.map((e: { action: string }) => e.action)).toEqual(['rotation_check_failed', 'set']);
    expect(audit[0].newFingerprint).toMatch(/^fp_[0-9a-f]{16}$/);
  });

  it('applies a checked secret, records both fingerprints, and never shows the secret', async () => {
    const integration = await createIntegration('rotate-good');
    const response = await rotate(integration.id, 'new-password-two-2222', tenant.tokens.admin, { expiresAt: new Date(Date.now() + 90 * DAY).toISOString() });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: 'applied', rotation: { status: 'applied', requestedBy: 'token:acme-admin' }, check: { ok: true } });
    expect(JSON.stringify(body)).not.toContain('new-password-two-2222');
    const [rotated, set] = await auditOf(integration.id);
    expect(rotated).toMatchObject({ action: 'rotated', actor: 'token:acme-admin', reason: 'quarterly' });
    expect(rotated.oldFingerprint).toBe(set.newFingerprint);
    expect(rotated.newFingerprint).not.toBe(rotated.oldFingerprint);
    expect(rotated.expiresAt).not.toBeNull();
    const after = await (await test.request('get', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin })).json();
    expect(after.credentials.hint).toBe('••••');
  });

  it('keeps stored optional fields the rotation leaves out, such as the webhook secret', async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'servicenow', name: 'rotate-keeps-webhook-secret', config: { instanceUrl: world.fake.url }, credentials: { ...world.basic('old-password-one-1111'), webhookSecret: WEBHOOK_SECRET }, schedules: SERVICENOW_SCHEDULES_OFF },
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    expect((await rotate(id, 'new-password-two-2222')).status).toBe(200);
    const row = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(openCredentials(test.hub, row)).toEqual({ ...world.basic('new-password-two-2222'), webhookSecret: WEBHOOK_SECRET });
  });
});

describe('credential rotation under failure and concurrency', () => {
  const rowOf = (id: string) => test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('leaves an approved rotation pending, with its secret, when applying it fails: it can be approved again', async () => {
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    const integration = await createIntegration('approve-fails');
    const pending = await rotate(integration.id, 'new-password-two-2222');
    expect(pending.status).toBe(202);
    const { rotation } = await pending.json();
    const approve = () => test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${rotation.id}/approve`, { token: secondAdmin });
    // The credential write fails, as it would on a dropped connection between the approval's writes.
    await sql.raw(`
      create function fail_credential_write() returns trigger language plpgsql as $$
      begin
        if new.id = '${integration.id}' and new.credentials_ciphertext is distinct from old.credentials_ciphertext then raise exception 'write refused'; end if;
        return new;
      end $$;
      create trigger fail_credential_write before update on integration_configs for each row execute function fail_credential_write();
    `).execute(test.hub.db);
    try {
      expect((await approve()).status).toBe(500);
    } finally {
      await sql.raw('drop trigger fail_credential_write on integration_configs; drop function fail_credential_write();').execute(test.hub.db);
    }
    const stored = await test.hub.db.selectFrom('credential_rotations').selectAll().where('id', '=', rotation.id).executeTakeFirstOrThrow();
    expect({ status: stored.status, secretKept: stored.credentials_ciphertext !== null }).toEqual({ status: 'pending_approval', secretKept: true });
    expect((await auditOf(integration.id)).map((e: { action: string }) => e.action)).not.toContain('rotation_approved');

    const sealed = () => test.hub.db.selectFrom('integration_configs').select('credentials_ciphertext').where('id', '=', integration.id).executeTakeFirstOrThrow();
    const before = await sealed();
    expect((await approve()).status).toBe(200);
    expect(await sealed()).not.toEqual(before);
    await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
  });

  it('does not save a token obtained with the old secret after a rotation landed while it was being obtained', async () => {
    const integration = await createIntegration('oauth-race');
    // As a run's connector context builds it: from the row as the run read it.
    const store = integrationTokenStore(test.hub, tenant.id, integration.id, { obtainedWith: await rowOf(integration.id) });
    let answer!: () => void;
    const tokenEndpointAnswers = new Promise<void>((resolve) => (answer = resolve));
    let asked!: () => void;
    const tokenEndpointAsked = new Promise<void>((resolve) => (asked = resolve));
    // As oauth2-token-provider refreshes: load under the lock, ask the token endpoint, save.
    const refresh = store.exclusive!(async () => {
      await store.load();
      asked();
      await tokenEndpointAnswers;
      await store.save({ accessToken: 'issued-for-old-secret', expiresAt: new Date(Date.now() + 3_600_000) });
    });
    await tokenEndpointAsked;
    expect((await rotate(integration.id, 'new-password-two-2222')).status).toBe(200);
    answer();
    await refresh;
    expect(await store.load()).toBeUndefined();
  });

  it('claims no reminder step computed from an expiry date that moved while the sweep ran', async () => {
    const now = test.hub.clock().getTime();
    const integration = await createIntegration('sweep-race', new Date(now + 0.5 * DAY).toISOString());
    const later = new Date(now + 10 * DAY);
    // An edit moving the date, written but not yet committed when the sweep reads the old date.
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const edit = test.hub.db.transaction().execute(async (trx) => {
      await trx.updateTable('integration_configs').set(expiryColumns(later)).where('id', '=', integration.id).execute();
      written();
      await committed;
    });
    await wrote;
    const sweep = remindExpiringCredentials(test.hub);
    await new Promise((resolve) => setTimeout(resolve, 300));
    commit();
    await edit;
    await sweep;
    await remindExpiringCredentials(test.hub);
    const row = await rowOf(integration.id);
    const { tasks } = await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json();
    expect({
      step: row.credentials_expiry_step,
      oneDayReminder: tasks.some((task: { status: string; lastError: string }) => task.status === 'open' && /expire in 1 day/.test(task.lastError)),
    }).toEqual({ step: 14, oneDayReminder: false });
  });
});

describe('credential expiry', () => {
  it('reminds 14, 7 and 1 days ahead, once per step, and rotation resolves the reminder', async () => {
    const integration = await createIntegration('expiring', new Date(Date.now() + 10 * DAY).toISOString());
    const tasks = async () => (await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json()).tasks;

    expect(await remindExpiringCredentials(test.hub)).toBeGreaterThanOrEqual(1);
    expect(await remindExpiringCredentials(test.hub)).toBe(0);
    let [task] = await tasks();
    expect(task).toMatchObject({ code: 'credential_expiring', runbook: 'runbooks/credential_expiring.md', occurrences: 1, status: 'open' });
    expect(task.lastError).toMatch(/expire in 10 days/);

    await test.hub.db.updateTable('integration_configs').set({ credentials_expires_at: new Date(Date.now() + 5 * DAY) }).where('id', '=', integration.id).execute();
    await remindExpiringCredentials(test.hub);
    await test.hub.db.updateTable('integration_configs').set({ credentials_expires_at: new Date(Date.now() + 12 * 3600 * 1000) }).where('id', '=', integration.id).execute();
    await remindExpiringCredentials(test.hub);
    await remindExpiringCredentials(test.hub);
    [task] = await tasks();
    expect(task.occurrences).toBe(3);
    expect(task.lastError).toMatch(/expire in 1 day,/);

    await rotate(integration.id, 'new-password-two-2222');
    [task] = await tasks();
    expect(task.status).toBe('resolved');
  });

  it('starts the reminders over when a PATCH moves the expiry date, resolving a reminder the new date lies beyond', async () => {
    const now = test.hub.clock().getTime();
    const integration = await createIntegration('expiry-moved', new Date(now + 0.5 * DAY).toISOString());
    const tasks = async () => (await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json()).tasks;
    const stepOf = async () => (await test.hub.db.selectFrom('integration_configs').select('credentials_expiry_step').where('id', '=', integration.id).executeTakeFirstOrThrow()).credentials_expiry_step;
    await remindExpiringCredentials(test.hub);
    expect(await stepOf()).toBe(1);
    const [dayBefore] = await tasks();
    expect(dayBefore).toMatchObject({ code: 'credential_expiring', status: 'open' });

    // Saving the same date again changes nothing.
    const same = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentialsExpiresAt: new Date(now + 0.5 * DAY).toISOString() } });
    expect(same.status).toBe(200);
    expect(await stepOf()).toBe(1);
    expect(await remindExpiringCredentials(test.hub)).toBe(0);

    const moved = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentialsExpiresAt: new Date(now + 10 * DAY).toISOString() } });
    expect(moved.status).toBe(200);
    expect(await stepOf()).toBeNull();
    expect((await tasks()).map((t: { status: string }) => t.status)).toEqual(['resolved']);
    expect(await remindExpiringCredentials(test.hub)).toBe(1);
    expect(await stepOf()).toBe(14);
    const open = (await tasks()).filter((t: { status: string }) => t.status === 'open');
    expect(open).toHaveLength(1);
    expect(open[0].lastError).toMatch(/expire in 10 days/);

    // A nearer date keeps the open reminder and raises the step now due.
    await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentialsExpiresAt: new Date(now + 5 * DAY).toISOString() } });
    expect(await remindExpiringCredentials(test.hub)).toBe(1);
    expect(await stepOf()).toBe(7);
    expect((await tasks()).filter((t: { status: string }) => t.status === 'open')).toHaveLength(1);
  });

  it('starts the reminders over when an OAuth refresh extends the refresh token, the credential', async () => {
    const now = test.hub.clock().getTime();
    const integration = await createIntegration('expiry-oauth');
    const store = integrationTokenStore(test.hub, tenant.id, integration.id, { refreshTokenIsTheCredential: true });
    const refresh = (refreshExpiresAt: Date, accessToken: string) =>
      store.exclusive!(async () => {
        await store.load();
        await store.save({ accessToken, refreshToken: `rt-${accessToken}`, expiresAt: new Date(now + 3_600_000), refreshExpiresAt });
      });
    const tasks = async () => (await (await test.request('get', `/api/tasks?integrationId=${integration.id}`, { token: tenant.tokens.viewer })).json()).tasks;

    await refresh(new Date(now + 0.5 * DAY), 'a');
    expect(await remindExpiringCredentials(test.hub)).toBe(1);
    // A refresh that keeps the refresh token's expiry does not remind again.
    await refresh(new Date(now + 0.5 * DAY), 'b');
    expect(await remindExpiringCredentials(test.hub)).toBe(0);

    await refresh(new Date(now + 10 * DAY), 'c');
    expect((await tasks()).map((t: { status: string }) => t.status)).toEqual(['resolved']);
    expect(await remindExpiringCredentials(test.hub)).toBe(1);
    const row = await test.hub.db.selectFrom('integration_configs').select(['credentials_expiry_step', 'credentials_expires_at']).where('id', '=', integration.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ credentials_expiry_step: 14, credentials_expires_at: new Date(now + 10 * DAY) });
    const open = (await tasks()).filter((t: { status: string }) => t.status === 'open');
    expect(open).toHaveLength(1);
    expect(open[0].lastError).toMatch(/expire in 10 days/);
  });

  it('fails runs with auth_expired once the credentials have expired', async () => {
    const integration = await createIntegration('expired', new Date(Date.now() - DAY).toISOString());
    const { runs } = await (await test.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: { stream: 'incident' } })).json();
    const { waitFor } = await import('../../test-support/wait-for.ts');
    const run = await waitFor('the run', async () => {
      const row = await (await test.request('get', `/api/runs/${runs[0].id}`, { token: tenant.tokens.viewer })).json();
      return row.status === 'failed' ? row : undefined;
    });
    expect(run).toMatchObject({ errorCode: 'auth_expired', runbook: 'runbooks/auth_expired.md' });
  });

  it('lets runs use new credentials set by PATCH without an expiry date: they do not inherit the passed one', async () => {
    const integration = await createIntegration('expired then replaced', new Date(Date.now() - DAY).toISOString());
    const patched = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentials: basic(ACCEPTED_PASSWORD) } });
    expect(patched.status).toBe(200);
    expect((await patched.json()).credentials.expiresAt).toBeNull();
    const { runs } = await (await test.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: { stream: 'incident' } })).json();
    const { waitFor } = await import('../../test-support/wait-for.ts');
    const run = await waitFor('the run', async () => {
      const row = await (await test.request('get', `/api/runs/${runs[0].id}`, { token: tenant.tokens.viewer })).json();
      return ['succeeded', 'failed'].includes(row.status) ? row : undefined;
    });
    expect(run).toMatchObject({ status: 'succeeded' });
  });
});
