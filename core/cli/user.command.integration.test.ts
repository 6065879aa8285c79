import { describe, expect, it } from 'vitest';
import { cliTestDatabase } from '../../test-support/cli-test-database.ts';
import { runCliInProcess, type CliOutcome } from '../../test-support/cli-in-process.ts';
import { createApiToken } from '../auth/api-token.service.ts';
import { verifyPassword } from '../auth/password.ts';
import { userPerson } from '../auth/principal.ts';
import { firstStartBanner } from '../server/bootstrap.ts';
import { ensureTenant } from '../tenancy/tenant.repository.ts';
import { runHubCommand } from '../../test-support/hub-process.ts';
import { userCommand } from './user.command.ts';
import { createSession, loadSession } from '../../admin-ui/auth/session.service.ts';

// `hub user` against PostgreSQL: once as a real CLI process (the wiring in hub.ts), the rest in
// process, which is the same code without a process start per case.

const database = cliTestDatabase('user_cli', ['HUB_USER_PASSWORD']);

/** Runs `hub user …` in process; resolves with what it printed, or the error it stopped with. */
async function user(args: string[], password?: string): Promise<CliOutcome> {
  if (password === undefined) delete process.env['HUB_USER_PASSWORD'];
  else process.env['HUB_USER_PASSWORD'] = password;
  return runCliInProcess(() => userCommand(args));
}

const createArgs = (email: string, role = 'operator') => ['create', '--tenant', 'default', '--email', email, '--name', 'Olga Operator', '--role', role];

describe('hub user', () => {
  it('creates the first admin from a real CLI process, with the password from HUB_USER_PASSWORD', async () => {
    const env = { DATABASE_URL: database.url, USER: 'tester', HUB_USER_PASSWORD: 'correct horse battery staple' };
    const created = await runHubCommand(['user', 'create', '--tenant', 'default', '--email', 'Ana@Example.com', '--name', 'Ana Admin', '--role', 'admin'], env);
    expect(created).toMatchObject({ code: 0, stdout: 'created user ana@example.com (admin); they can sign in at /admin with the workspace "default"\n' });
    expect(created.stdout + created.stderr).not.toContain('correct horse');
    const row = await database.db.selectFrom('users').selectAll().where('email', '=', 'ana@example.com').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword('correct horse battery staple', row.password_hash ?? '')).toBe(true);
    const audit = await database.db.selectFrom('audit_log').select(['actor_type', 'actor_id', 'action']).where('action', '=', 'user.created').execute();
    expect(audit).toEqual([{ actor_type: 'cli', actor_id: 'cli:tester', action: 'user.created' }]);
  });

  it('refuses a missing password source, a short password, a bad role and a taken email', async () => {
    expect(await user(createArgs('olga@example.com'))).toMatchObject({ error: 'set HUB_USER_PASSWORD, or run this on a terminal to type the password' });
    expect(await user(createArgs('olga@example.com'), 'elevenchars')).toMatchObject({ error: 'the password must be at least 12 characters long' });
    expect((await user(createArgs('olga@example.com', 'root'), 'twelve chars')).error).toMatch(/^--role must be admin, operator or viewer/);
    expect((await user(createArgs('not-an-email'), 'twelve chars')).error).toBe('"not-an-email" is not an email address');
    expect(await user(createArgs('ANA@example.com'), 'twelve chars')).toMatchObject({ error: 'a user with the email ana@example.com already exists in this tenant' });
    expect((await user(['frobnicate'])).error).toMatch(/^usage:/);
  });

  it('lists and disables users, ending their sessions', async () => {
    expect(await user(createArgs('olga@example.com'), 'twelve chars')).toMatchObject({ stdout: expect.stringContaining('created user olga@example.com (operator)') });
    const listed = await user(['list', '--tenant', 'default']);
    expect(listed.stdout).toMatch(/^ana@example\.com\s+admin\s+active\s+Ana Admin\nolga@example\.com\s+operator\s+active\s+Olga Operator\n$/);
    expect(await user(['disable', 'OLGA@example.com', '--tenant', 'default'])).toEqual({ stdout: 'disabled user olga@example.com; their sessions ended\n' });
    expect((await user(['list', '--tenant', 'default'])).stdout).toMatch(/olga@example\.com\s+operator\s+disabled/);
    expect(await user(['disable', 'olga@example.com', '--tenant', 'default'])).toMatchObject({ error: 'no active user olga@example.com in that tenant' });
    expect(await user(['list', '--tenant', 'nobody'])).toMatchObject({ error: 'no tenant "nobody"' });
  });

  it('revokes the API tokens made for a user when the user is disabled, and only those', async () => {
    expect(await user(createArgs('tom@example.com', 'admin'), 'twelve chars')).toMatchObject({ stdout: expect.stringContaining('created user tom@example.com') });
    const tenant = await ensureTenant(database.db, 'default', 'Default tenant');
    const tom = await database.db.selectFrom('users').select('id').where('email', '=', 'tom@example.com').executeTakeFirstOrThrow();
    const make = (name: string, person?: string) => createApiToken(database.db, { tenantId: tenant.tenant.id, role: 'admin', name, createdBy: 'test', person });
    const [laptop, ci, unrelated] = [await make('tom-laptop', userPerson(tom.id)), await make('tom-ci', userPerson(tom.id)), await make('shared-ci')];
    expect(await user(['disable', 'tom@example.com', '--tenant', 'default'])).toEqual({ stdout: 'disabled user tom@example.com; their sessions ended and 2 API tokens acting for them were revoked\n' });
    const revoked = async (id: string) => (await database.db.selectFrom('api_tokens').select('revoked_at').where('id', '=', id).executeTakeFirstOrThrow()).revoked_at !== null;
    expect([await revoked(laptop.row.id), await revoked(ci.row.id), await revoked(unrelated.row.id)]).toEqual([true, true, false]);
    const audited = await database.db.selectFrom('audit_log').select('target_id').where('action', '=', 'token.revoked').execute();
    expect(audited.map((row) => row.target_id).sort()).toEqual([laptop.row.id, ci.row.id].sort());
  });

  it('enables a disabled user again, who signs in with their password; their revoked tokens stay revoked', async () => {
    expect(await user(createArgs('eve@example.com'), 'twelve chars')).toMatchObject({ stdout: expect.stringContaining('created user eve@example.com') });
    expect(await user(['enable', 'eve@example.com', '--tenant', 'default'])).toMatchObject({ error: 'no disabled user eve@example.com in that tenant' });
    const { tenant } = await ensureTenant(database.db, 'default', 'Default tenant');
    const row = await database.db.selectFrom('users').select('id').where('email', '=', 'eve@example.com').executeTakeFirstOrThrow();
    const token = await createApiToken(database.db, { tenantId: tenant.id, role: 'operator', name: 'eve-laptop', createdBy: 'test', person: userPerson(row.id) });
    expect((await user(['disable', 'eve@example.com', '--tenant', 'default'])).stdout).toContain('1 API token acting for them was revoked');

    expect(await user(['enable', 'Eve@Example.com', '--tenant', 'default'])).toEqual({ stdout: 'enabled user eve@example.com; they can sign in again, and need new API tokens\n' });
    expect((await user(['list', '--tenant', 'default'])).stdout).toMatch(/eve@example\.com\s+operator\s+active/);
    const after = await database.db.selectFrom('api_tokens').select('revoked_at').where('id', '=', token.row.id).executeTakeFirstOrThrow();
    expect(after.revoked_at).not.toBeNull();
    const audit = await database.db.selectFrom('audit_log').select(['action', 'detail']).where('target_id', '=', row.id).where('action', '=', 'user.enabled').execute();
    expect(audit).toEqual([{ action: 'user.enabled', detail: { email: 'eve@example.com' } }]);
  });

  it('sets a new password, ending the sessions made with the old one', async () => {
    expect(await user(createArgs('pat@example.com'), 'the old password')).toMatchObject({ stdout: expect.stringContaining('created user pat@example.com') });
    const { tenant } = await ensureTenant(database.db, 'default', 'Default tenant');
    const row = await database.db.selectFrom('users').select('id').where('email', '=', 'pat@example.com').executeTakeFirstOrThrow();
    const session = await createSession(database.db, { userId: row.id, tenantId: tenant.id, userAgent: 'old laptop', ip: undefined, now: new Date() });

    expect(await user(['set-password', 'nobody@example.com', '--tenant', 'default'], 'a new password')).toMatchObject({ error: 'no user nobody@example.com in that tenant' });
    expect(await user(['set-password', 'pat@example.com', '--tenant', 'default'], 'short')).toMatchObject({ error: expect.stringContaining('at least 12 characters') });
    expect(await user(['set-password', 'Pat@example.com', '--tenant', 'default'], 'a new password')).toEqual({ stdout: 'set a new password for pat@example.com; their sessions ended, their API tokens stay\n' });

    const after = await database.db.selectFrom('users').select('password_hash').where('id', '=', row.id).executeTakeFirstOrThrow();
    expect([await verifyPassword('a new password', after.password_hash!), await verifyPassword('the old password', after.password_hash!)]).toEqual([true, false]);
    expect(await loadSession(database.db, session.token, new Date())).toBeUndefined();
    const audit = await database.db.selectFrom('audit_log').select('action').where('target_id', '=', row.id).where('action', '=', 'user.password_set').execute();
    expect(audit).toHaveLength(1);
  });

  it('is announced by the first-start banner, for the tenant that was created', () => {
    const banner = firstStartBanner('hub_example', 8080);
    expect(banner).toContain('Admin UI at localhost:8080/admin');
    expect(banner).toContain('npm run hub -- user create --tenant default --role admin --email you@example.com --name "Your Name"');
    // Embedded: the running hub holds the data directory, so the CLI needs it stopped.
    expect(banner).toContain('stop the hub');

    const acme = firstStartBanner('hub_example', 8080, { tenant: 'acme', embedded: false });
    expect(acme).toContain('created the tenant "acme"');
    expect(acme).toContain('npm run hub -- token create --tenant acme --role admin --name me');
    expect(acme).toContain('npm run hub -- user create --tenant acme --role admin');
    expect(acme).not.toContain('--tenant default');
    expect(acme).not.toContain('stop the hub');
  });
});
