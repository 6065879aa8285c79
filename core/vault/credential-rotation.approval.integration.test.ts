import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userPrincipal } from '../../admin-ui/auth/session.service.ts';
import { runCliInProcess, type CliOutcome } from '../../test-support/cli-in-process.ts';
import type { TestHub, TestTenant } from '../../test-support/test-hub.ts';
import { createApiToken } from '../auth/api-token.service.ts';
import { tokenCommand } from '../cli/token.command.ts';
import { ForbiddenError } from '../http/api-error.ts';
import { changeTenantSettings, updateTenantSettings } from '../tenancy/tenant-settings.ts';
import { createUser } from '../users/user.service.ts';
import { approveRotation } from './credential-rotation.service.ts';
import { startRotationWorld, type RotationWorld } from './rotation-world.testing.ts';

// Rotations that wait for a second admin: who counts as the requester (by person, across tokens,
// sign-ins and the upgrade to persons), stale rotations, and the races around switching approval on.

let world: RotationWorld;
let test: TestHub;
let tenant: TestTenant;
let secondAdmin: string;

beforeAll(async () => {
  world = await startRotationWorld('rotation_approval', {});
  ({ test, tenant, secondAdmin } = world);
});
afterAll(async () => {
  await world?.close();
});

const basic = (password: string) => world.basic(password);
const createIntegration = (name: string, expiresAt?: string) => world.createIntegration(name, expiresAt);
const rotate = (...args: Parameters<RotationWorld['rotate']>) => world.rotate(...args);
const auditOf = (id: string) => world.auditOf(id);

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

describe('credential rotation approval', () => {
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
      expect(applied.credentials.hint).toBe('••••');
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
      await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
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
      await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
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
      await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
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
      await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
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
      const actions = (await auditOf(integration.id)).map((e: { action: string }) => e.action);
      // The approval and the rotation it supersedes are written in one transaction, at one instant:
      // either may be listed first.
      expect([...actions.slice(0, 2)].sort()).toEqual(['rotation_approved', 'rotation_superseded']);
      expect(actions.slice(2)).toEqual(['rotation_requested', 'rotation_requested', 'set']);
    } finally {
      await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
    }
    // A PATCH with credentials (allowed again without approval) drops what is still pending too.
    expect((await test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } })).status).toBe(200);
    const pending = (await (await rotate(integration.id, 'new-password-two-2222')).json()).rotation;
    await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
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
      await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
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
      await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
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
      await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
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
