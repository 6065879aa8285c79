import { describe, expect, it } from 'vitest';
import { cliTestDatabase } from '../../test-support/cli-test-database.ts';
import { runCliInProcess } from '../../test-support/cli-in-process.ts';
import { createApiToken } from '../auth/api-token.service.ts';
import { findTenantBySlug } from '../tenancy/tenant.repository.ts';
import { tokenCommand } from './token.command.ts';

// `hub token revoke` after a leak: the tokens made with the leaked one go with it when asked, and
// when not asked the command says they still work.

const database = cliTestDatabase('cli_token_revoke');

const revoke = (...args: string[]) => runCliInProcess(() => tokenCommand(['revoke', ...args, '--tenant', 'default']));

async function line() {
  const tenant = await findTenantBySlug(database.db, 'default');
  const make = async (name: string, createdByTokenId?: string) =>
    (await createApiToken(database.db, { tenantId: tenant!.id, role: 'admin', name, createdBy: 'test', createdByTokenId })).row;
  const a = await make('leaked');
  const b = await make('minted', a.id);
  const c = await make('minted-by-minted', b.id);
  const sibling = await make('sibling');
  return { a, b, c, sibling };
}

const revokedAt = async (id: string) => (await database.db.selectFrom('api_tokens').select('revoked_at').where('id', '=', id).executeTakeFirstOrThrow()).revoked_at;

describe('hub token revoke', () => {
  it('revokes the token alone by default, and says how many tokens made from it still work', async () => {
    const { a, b, c } = await line();
    const outcome = await revoke(a.id);
    expect(outcome).toEqual({
      stdout: `revoked token ${a.id} (leaked)\n` + `2 tokens made from it still work; to revoke them too: hub token revoke ${a.id} --tenant default --with-descendants\n`,
    });
    expect(await revokedAt(b.id)).toBeNull();
    expect(await revokedAt(c.id)).toBeNull();
  });

  it('with --with-descendants revokes the whole line, audited per token, and leaves a sibling alone', async () => {
    const { a, b, c, sibling } = await line();
    const outcome = await revoke(a.id, '--with-descendants');
    expect(outcome).toEqual({
      stdout: `revoked token ${a.id} (leaked)\nrevoked token ${b.id} (minted), made from ${a.id}\nrevoked token ${c.id} (minted-by-minted), made from ${b.id}\n`,
    });
    for (const id of [a.id, b.id, c.id]) expect(await revokedAt(id)).not.toBeNull();
    expect(await revokedAt(sibling.id)).toBeNull();
    const audit = await database.db.selectFrom('audit_log').select(['target_id', 'actor_type', 'detail']).where('action', '=', 'token.revoked').where('target_id', 'in', [b.id, c.id]).execute();
    expect(audit).toHaveLength(2);
    expect(audit.find((e) => e.target_id === c.id)).toMatchObject({ actor_type: 'cli', detail: { name: 'minted-by-minted', reason: `made by revoked token ${b.id}`, revokedWith: a.id } });

    expect((await revoke(a.id, '--with-descendants')).error).toBe(`no active token ${a.id}, or token made from it, in that tenant`);
    expect((await revoke(a.id)).error).toBe(`no active token ${a.id} in that tenant`);
    expect((await revoke('not-a-uuid', '--with-descendants')).error).toBe('no active token not-a-uuid, or token made from it, in that tenant');
  });

  it('takes the descendants of a token revoked earlier', async () => {
    const { a, b, c } = await line();
    await revoke(a.id);
    expect(await revoke(a.id, '--with-descendants')).toEqual({ stdout: `revoked token ${b.id} (minted), made from ${a.id}\nrevoked token ${c.id} (minted-by-minted), made from ${b.id}\n` });
  });
});
