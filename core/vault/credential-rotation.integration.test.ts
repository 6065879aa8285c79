import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess, type CliOutcome } from '../../test-support/cli-in-process.ts';
import { createApiToken } from '../auth/api-token.service.ts';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { expiryColumns, remindExpiringCredentials } from './credential-expiry.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { integrationTokenStore } from '../integrations/oauth-token.store.ts';
import { userPrincipal } from '../../admin-ui/auth/session.service.ts';
import { tokenCommand } from '../cli/token.command.ts';
import { ForbiddenError } from '../http/api-error.ts';
import { createUser } from '../users/user.service.ts';
import { approveRotation } from './credential-rotation.service.ts';
import { changeTenantSettings } from '../tenancy/tenant-settings.ts';

const DAY = 24 * 60 * 60 * 1000;

let test: TestHub;
let tenant: TestTenant;
let secondAdmin: string;
let fake: FakeServiceNow;

beforeAll(async () => {
  fake = await startFakeServiceNow({ auth: { basic: { user: 'svc-grc', pass: 'new-password-two-2222' } } });
  test = await startTestHub({ label: 'rotation', database: 'postgres', queue: 'memory', workers: true });
  tenant = await test.createTenant('acme');
  secondAdmin = (await createApiToken(test.hub.db, { tenantId: tenant.id, role: 'admin', name: 'second-admin', createdBy: 'test' })).token;
});
afterAll(async () => {
  await test?.close();
  await fake?.close();
});

const basic = (password: string) => ({ auth: { type: 'basic', username: 'svc-grc', password } });

async function createIntegration(name: string, expiresAt?: string) {
  const response = await test.request('post', '/api/integrations', {
    token: tenant.tokens.admin,
    body: { connector: 'servicenow', name, config: { instanceUrl: fake.url }, credentials: basic('old-password-one-1111'), schedules: SERVICENOW_SCHEDULES_OFF, ...(expiresAt ? { credentialsExpiresAt: expiresAt } : {}) },
  });
  expect(response.status).toBe(201);
  return response.json();
}

const rotate = (id: string, password: string, token = tenant.tokens.admin, extra: Record<string, unknown> = {}) =>
  test.request('post', `/api/integrations/${id}/credentials/rotate`, { token, body: { credentials: basic(password), reason: 'quarterly', ...extra } });
/** Runs `hub token …` in process against the test database. */
async function cli(args: string[]): Promise<CliOutcome> {
  const saved = process.env['DATABASE_URL'];
  process.env['DATABASE_URL'] = test.hub.config.DATABASE_URL;
  try {
    return await runCliInProcess(() => tokenCommand(args));
  } finally {
    if (saved === undefined) delete process.env['DATABASE_URL'];
    else process.env['DATABASE_URL'] = saved;
  }
}
const auditOf = async (id: string) => (await (await test.request('get', `/api/integrations/${id}/credentials/audit`, { token: tenant.tokens.operator })).json()).entries;

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
    expect(after.credentials.hint).toBe('••••2222');
  });

  it('waits for a second admin when the tenant requires approval; the requester cannot approve their own', async () => {
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    try {
      const integration = await createIntegration('rotate-approval');
      const pending = await rotate(integration.id, 'new-password-two-2222');
      expect(pending.status).toBe(202);
      const { rotation } = await pending.json();
      expect(rotation.status).toBe('pending_approval');
      const stillOld = await (await test.request('get', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin })).json();
      expect(stillOld.credentials.hint).toBe(integration.credentials.hint);

      const own = await test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${rotation.id}/approve`, { token: tenant.tokens.admin });
      expect(own.status).toBe(403);
      const approved = await test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${rotation.id}/approve`, { token: secondAdmin });
      expect(approved.status).toBe(200);
      expect(await approved.json()).toMatchObject({ status: 'applied', decidedBy: 'token:second-admin' });
      const again = await test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${rotation.id}/approve`, { token: secondAdmin });
      expect(again.status).toBe(409);

      const applied = await (await test.request('get', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin })).json();
      expect(applied.credentials.hint).toBe('••••2222');
      const [approval] = await auditOf(integration.id);
      expect(approval).toMatchObject({ action: 'rotation_approved', actor: 'token:acme-admin', approver: 'token:second-admin' });
      // The pending secret is gone from the rotation row once decided.
      const row = await test.hub.db.selectFrom('credential_rotations').selectAll().where('id', '=', rotation.id).executeTakeFirstOrThrow();
      expect(row.credentials_ciphertext).toBeNull();

      const second = await (await rotate(integration.id, 'new-password-two-2222')).json();
      const rejected = await test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${second.rotation.id}/reject`, { token: secondAdmin });
      expect(await rejected.json()).toMatchObject({ status: 'rejected' });
      const { rotations } = await (await test.request('get', `/api/integrations/${integration.id}/credentials/rotations`, { token: tenant.tokens.admin })).json();
      expect(rotations.map((r: { status: string }) => r.status)).toEqual(['rejected', 'applied']);
    } finally {
      await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } });
    }
  });

  it('knows the requester by token id, not by name: a namesake admin may approve, the requesting token may not', async () => {
    const twin = async () => (await createApiToken(test.hub.db, { tenantId: tenant.id, role: 'admin', name: 'twin', createdBy: 'test' })).token;
    const [requester, namesake] = [await twin(), await twin()];
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    try {
      const integration = await createIntegration('rotate-namesakes');
      const pending = await rotate(integration.id, 'new-password-two-2222', requester);
      expect(pending.status).toBe(202);
      const { rotation } = await pending.json();
      expect(rotation.requestedBy).toBe('token:twin');
      const approve = (token: string) => test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${rotation.id}/approve`, { token });

      const own = await approve(requester);
      expect(own.status).toBe(403);
      const approved = await approve(namesake);
      expect(approved.status).toBe(200);
      expect(await approved.json()).toMatchObject({ status: 'applied', requestedBy: 'token:twin', decidedBy: 'token:twin' });
    } finally {
      await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } });
    }
  });

  it('counts a token the requester made, and tokens made with that one, as the requester', async () => {
    const makeToken = async (maker: string, name: string) => {
      const response = await test.request('post', '/api/tokens', { token: maker, body: { name, role: 'admin' } });
      expect(response.status).toBe(201);
      return response.json();
    };
    const first = await makeToken(tenant.tokens.admin, 'second-hand');
    const second = await makeToken(first.token, 'third-hand');
    const requester = (await (await test.request('get', '/api/tokens', { token: tenant.tokens.admin })).json()).tokens.find((t: { name: string }) => t.name === 'acme-admin');
    expect([first.person, second.person]).toEqual([requester.person, requester.person]);
    expect(requester.person).toBe(`token:${requester.id}`);

    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    try {
      const integration = await createIntegration('rotate-own-tokens');
      const { rotation } = await (await rotate(integration.id, 'new-password-two-2222')).json();
      const approve = (token: string) => test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${rotation.id}/approve`, { token });
      for (const own of [first.token, second.token]) {
        const refused = await approve(own);
        expect(refused.status).toBe(403);
        expect((await refused.json()).error.message).toContain('tokens made by the requester');
      }
      // A token another admin made is another person.
      const others = await makeToken(secondAdmin, 'other-admins');
      expect(others.person).not.toBe(requester.person);
      expect((await approve(others.token)).status).toBe(200);
    } finally {
      await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } });
    }
  });

  it('counts a token made for a user (hub token create --user) as that user, in the admin UI too', async () => {
    const alice = await createUser(test.hub.db, { tenantId: tenant.id, email: 'alice@example.com', name: 'Alice', role: 'admin', password: 'correct horse alice 1' });
    const bob = await createUser(test.hub.db, { tenantId: tenant.id, email: 'bob@example.com', name: 'Bob', role: 'admin', password: 'correct horse bob 1' });
    const made = await cli(['create', '--tenant', 'acme', '--role', 'admin', '--name', 'alice-laptop', '--user', 'ALICE@example.com']);
    expect(made.stdout).toMatch(/^created token [0-9a-f-]{36} \(admin, for alice@example\.com\); it is shown only now:\nhub_/);
    const alicesToken = made.stdout.trim().split('\n')[1]!;
    const listed = (await (await test.request('get', '/api/tokens', { token: tenant.tokens.admin })).json()).tokens.find((t: { name: string }) => t.name === 'alice-laptop');
    expect(listed.person).toBe(`user:${alice.id}`);

    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    try {
      const integration = await createIntegration('rotate-users-token');
      const { rotation } = await (await rotate(integration.id, 'new-password-two-2222', alicesToken)).json();
      // Alice signed in to the admin UI is the same person as her token.
      await expect(approveRotation(test.hub, userPrincipal(alice, tenant.id), integration.id, rotation.id, 'req-1')).rejects.toThrow(ForbiddenError);
      const approved = await approveRotation(test.hub, userPrincipal(bob, tenant.id), integration.id, rotation.id, 'req-2');
      expect(approved).toMatchObject({ status: 'applied', requested_by: 'token:alice-laptop', decided_by: 'user:bob@example.com' });
    } finally {
      await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } });
    }

    // Only for a user who exists in the tenant and may still act.
    expect((await cli(['create', '--tenant', 'acme', '--role', 'admin', '--name', 'x', '--user', 'nobody@example.com'])).error).toBe('--user: no active user nobody@example.com in that tenant (hub user list shows them)');
    await test.hub.db.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', bob.id).execute();
    expect((await cli(['create', '--tenant', 'acme', '--role', 'admin', '--name', 'x', '--user', 'bob@example.com'])).error).toMatch(/^--user: no active user bob@example\.com/);
  });

  it('drops pending rotations once other new credentials are applied, so a stale one cannot put back an older secret', async () => {
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    let integration: { id: string };
    let older: { id: string };
    try {
      integration = await createIntegration('rotate-superseded');
      older = (await (await rotate(integration.id, 'new-password-two-2222', tenant.tokens.admin, { reason: 'older', expiresAt: '2031-01-01T00:00:00.000Z' })).json()).rotation;
      const newer = (await (await rotate(integration.id, 'new-password-two-2222', tenant.tokens.admin, { reason: 'newer', expiresAt: '2032-01-01T00:00:00.000Z' })).json()).rotation;
      const approveNewer = await test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${newer.id}/approve`, { token: secondAdmin });
      expect(approveNewer.status).toBe(200);

      const approveOlder = await test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${older.id}/approve`, { token: secondAdmin });
      expect(approveOlder.status).toBe(409);
      expect((await approveOlder.json()).error.message).toContain('this rotation is superseded');
      const stored = await test.hub.db.selectFrom('integration_configs').select('credentials_expires_at').where('id', '=', integration.id).executeTakeFirstOrThrow();
      expect(stored.credentials_expires_at).toEqual(new Date('2032-01-01T00:00:00.000Z'));
      const { rotations } = await (await test.request('get', `/api/integrations/${integration.id}/credentials/rotations`, { token: tenant.tokens.admin })).json();
      expect(rotations.map((r: { reason: string; status: string; decidedBy: string }) => [r.reason, r.status, r.decidedBy])).toEqual([
        ['newer', 'applied', 'token:second-admin'],
        ['older', 'superseded', 'token:second-admin'],
      ]);
      const row = await test.hub.db.selectFrom('credential_rotations').select('credentials_ciphertext').where('id', '=', older.id).executeTakeFirstOrThrow();
      expect(row.credentials_ciphertext).toBeNull();
      expect((await auditOf(integration.id)).map((e: { action: string }) => e.action)).toEqual(['rotation_approved', 'rotation_superseded', 'rotation_requested', 'rotation_requested', 'set']);
    } finally {
      await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } });
    }
    // A PATCH with credentials (allowed again without approval) drops what is still pending too.
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    const pending = (await (await rotate(integration.id, 'new-password-two-2222')).json()).rotation;
    await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } });
    expect((await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentials: basic('new-password-two-2222') } })).status).toBe(200);
    const after = await test.hub.db.selectFrom('credential_rotations').select('status').where('id', '=', pending.id).executeTakeFirstOrThrow();
    expect(after.status).toBe('superseded');
  });

  it('answers an approval racing the deletion of its integration with 404 or success, never a deadlock', async () => {
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    try {
      for (let round = 0; round < 5; round += 1) {
        const integration = await createIntegration(`rotate-vs-delete-${round}`);
        const { rotation } = await (await rotate(integration.id, 'new-password-two-2222')).json();
        const [approved, deleted] = await Promise.all([
          test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${rotation.id}/approve`, { token: secondAdmin }),
          test.request('delete', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin }),
        ]);
        expect([200, 404]).toContain(approved.status);
        expect(deleted.status).toBe(204);
      }
    } finally {
      await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } });
    }
  });

  it('refuses to replace credentials by PATCH while rotations need approval, and writes nothing', async () => {
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    try {
      // Setting credentials when the integration is created stays allowed.
      const integration = await createIntegration('patch-under-approval');
      const before = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', integration.id).executeTakeFirstOrThrow();
      const patched = await test.request('patch', `/api/integrations/${integration.id}`, {
        token: tenant.tokens.admin,
        body: { name: 'renamed-under-approval', credentials: basic('new-password-two-2222') },
      });
      expect(patched.status).toBe(409);
      const { error } = await patched.json();
      expect(error.code).toBe('conflict');
      expect(error.message).toContain(`POST /api/integrations/${integration.id}/credentials/rotate`);
      expect(await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', integration.id).executeTakeFirstOrThrow()).toEqual(before);
      expect(await test.hub.db.selectFrom('credential_rotations').select('id').where('integration_id', '=', integration.id).execute()).toEqual([]);
      expect((await auditOf(integration.id)).map((e: { action: string }) => e.action)).toEqual(['set']);
      // Other fields still change by PATCH.
      const renamed = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { name: 'renamed-under-approval' } });
      expect(renamed.status).toBe(200);
    } finally {
      await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } });
    }
    const integration = await createIntegration('patch-without-approval');
    const replaced = await test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentials: basic('new-password-two-2222') } });
    expect(replaced.status).toBe(200);
  });

  it('orders a credential change wholly before or after switching approval on, never across it', async () => {
    const integration = await createIntegration('approval-switched-meanwhile');
    // Another admin is switching approval on: their change is written but not yet committed.
    let commit!: () => void;
    let switched!: () => void;
    const written = new Promise<void>((resolve) => (switched = resolve));
    const switching = test.hub.db.transaction().execute(async (trx) => {
      await changeTenantSettings(trx, tenant.id, { requireRotationApproval: true });
      switched();
      await new Promise<void>((resolve) => (commit = resolve));
    });
    try {
      await written;
      const patch = test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentials: basic('new-password-two-2222') } });
      const rotation = rotate(integration.id, 'new-password-two-2222', secondAdmin);
      // Both wait for the switch rather than act on the setting as it was before it.
      const early = await Promise.race([patch.then(() => 'answered'), rotation.then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 1_000))]);
      expect(early).toBe('waiting');
      commit();
      await switching;
      expect((await patch).status).toBe(409);
      const rotated = await rotation;
      expect(rotated.status).toBe(409);
      expect((await rotated.json()).error.message).toContain('request the rotation again');
      const row = await test.hub.db.selectFrom('integration_configs').select('credentials_hint').where('id', '=', integration.id).executeTakeFirstOrThrow();
      expect(row.credentials_hint).toBe(integration.credentials.hint);
    } finally {
      commit?.();
      await switching.catch(() => undefined);
      await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } });
    }
  });

  it('rotates while a task is being opened for the same integration, without waiting for the tenant row', async () => {
    const integration = await createIntegration('rotation-beside-task');
    // A worker opening a task for this integration (a run just failed) holds the tenant row (task
    // numbering) and then inserts the task, whose foreign key needs the integration row.
    const worker = new pg.Client({ connectionString: test.hub.config.DATABASE_URL! });
    await worker.connect();
    try {
      await worker.query('begin');
      const { rows } = await worker.query('update tenants set task_seq = task_seq + 1 where id = $1 returning task_seq', [tenant.id]);
      const rotated = await Promise.race([rotate(integration.id, 'new-password-two-2222'), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000))]);
      expect(rotated?.status).toBe(200);
      await worker.query(
        `insert into tasks (tenant_id, number, integration_id, code, runbook, title, severity, status, last_error)
         values ($1, $2, $3, 'auth_invalid', 'runbooks/auth_invalid.md', 'auth', 'high', 'open', 'GET /x answered 401')`,
        [tenant.id, rows[0].task_seq, integration.id],
      );
      await worker.query('commit');
    } finally {
      await worker.end();
    }
  });

  it('still refuses the requester, by name, for a rotation requested before requesters were recorded by id', async () => {
    const integration = await createIntegration('rotate-legacy');
    const legacy = await test.hub.db
      .insertInto('credential_rotations')
      .values({ tenant_id: tenant.id, integration_id: integration.id, status: 'pending_approval', requested_by: 'token:acme-admin', new_fingerprint: 'fp_legacy' })
      .returningAll()
      .executeTakeFirstOrThrow();
    const own = await test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${legacy.id}/approve`, { token: tenant.tokens.admin });
    expect(own.status).toBe(403);
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

    expect((await approve()).status).toBe(200);
    const after = await (await test.request('get', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin })).json();
    expect(after.credentials.hint).not.toBe(integration.credentials.hint);
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } })).status).toBe(200);
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
});
