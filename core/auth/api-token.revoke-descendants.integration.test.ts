import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerOf, contractProblems } from '../../test-support/openapi-contract.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { userPerson, type Principal } from './principal.ts';
import { createApiToken, issueApiToken } from './api-token.service.ts';

// After a leak, what was made with the leaked token must go with it: each token records the token
// (or admin UI user) that made it, and a revocation can take everything made from it, however deep.

interface Made {
  id: string;
  token: string;
  createdByTokenId: string | null;
  createdByUserId: string | null;
}

describe.each(RUNTIME_MODES)('revoking a token with the tokens it made ($name)', ({ options }) => {
  let test: TestHub;
  let acme: TestTenant;
  let other: TestTenant;
  let adminTokenId: string;
  const problems: string[] = [];

  /** Calls the API and checks the answer against the OpenAPI document as it goes. */
  async function call(method: string, route: string, path: string, token: string) {
    const answer = await answerOf(await test.request(method, path, { token }));
    problems.push(...contractProblems(method, route, answer));
    return answer as { status: number; body: any };
  }
  async function make(maker: string, name: string): Promise<Made> {
    const made = await test.request('post', '/api/tokens', { token: maker, body: { name, role: 'admin' } });
    expect(made.status).toBe(201);
    return made.json();
  }
  const works = async (token: string) => (await test.request('get', '/api/integrations', { token })).status;
  const revoke = (id: string, query = '', token = acme.tokens.admin) => call('delete', '/api/tokens/:id', `/api/tokens/${id}${query}`, token);

  beforeAll(async () => {
    test = await startTestHub({ label: 'token_descendants', ...options });
    acme = await test.createTenant('acme');
    other = await test.createTenant('other');
    adminTokenId = (await test.hub.db.selectFrom('api_tokens').select('id').where('name', '=', 'acme-admin').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await test?.close();
  });

  it('shows the token that made each token, and lists the tokens one token made', async () => {
    const parent = await make(acme.tokens.admin, 'parent');
    expect(parent).toMatchObject({ createdByTokenId: adminTokenId, createdByUserId: null });
    const child = await make(parent.token, 'child');
    const grandchild = await make(child.token, 'grandchild');
    expect(child.createdByTokenId).toBe(parent.id);

    const one = await call('get', '/api/tokens/:id', `/api/tokens/${grandchild.id}`, acme.tokens.admin);
    expect(one.body).toMatchObject({ createdByTokenId: child.id, createdBy: 'token:child' });
    const listed = await call('get', '/api/tokens', `/api/tokens?createdByTokenId=${parent.id}`, acme.tokens.admin);
    expect(listed.status).toBe(200);
    expect(listed.body.tokens.map((t: Made) => t.id)).toEqual([child.id]);
    // Tokens from before this was recorded, and the first ones (CLI, first start), have no maker.
    const all = await call('get', '/api/tokens', '/api/tokens', acme.tokens.admin);
    expect(all.body.tokens.find((t: Made) => t.id === adminTokenId)).toMatchObject({ createdByTokenId: null, createdByUserId: null });
    // Another tenant's token made none of this tenant's tokens, and its lists show none of them.
    expect((await call('get', '/api/tokens', `/api/tokens?createdByTokenId=${parent.id}`, other.tokens.admin)).body.tokens).toEqual([]);
    const badFilter = await call('get', '/api/tokens', '/api/tokens?createdByTokenId=parent', acme.tokens.admin);
    expect(badFilter.status).toBe(400);
  });

  it('records the admin UI user who made a token there, and no maker token', async () => {
    const user = await test.hub.db.insertInto('users').values({ tenant_id: acme.id, email: 'ann@acme.example', name: 'Ann', role: 'admin' }).returning('id').executeTakeFirstOrThrow();
    const session: Principal = { tenantId: acme.id, role: 'admin', actorType: 'user', actorId: user.id, label: 'user:ann@acme.example', person: userPerson(user.id) };
    const { row } = await issueApiToken(test.hub, session, { name: 'ann-laptop', role: 'viewer' }, 'req-ann');
    const shown = await call('get', '/api/tokens/:id', `/api/tokens/${row.id}`, acme.tokens.admin);
    expect(shown.body).toMatchObject({ createdByTokenId: null, createdByUserId: user.id });
  });

  it('revokes only the token by default, and names the tokens it made that still work', async () => {
    const leaked = await make(acme.tokens.admin, 'ci-minter');
    const minted = await make(leaked.token, 'ci-job');
    const first = await revoke(leaked.id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: leaked.id, revokedTokenIds: [leaked.id], activeDescendantIds: [minted.id] });
    expect(await works(leaked.token)).toBe(401);
    expect(await works(minted.token)).toBe(200);

    // Asked again with its descendants, the token already revoked, what it made goes now.
    const second = await revoke(leaked.id, '?withDescendants=true');
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: leaked.id, revokedTokenIds: [minted.id], activeDescendantIds: [] });
    expect(await works(minted.token)).toBe(401);
    // Nothing left to revoke: 404, as for a token already revoked.
    expect((await revoke(leaked.id, '?withDescendants=true')).status).toBe(404);
    expect((await revoke(leaked.id, '?withDescendants=maybe')).status).toBe(400);
  });

  it('revokes a chain A→B→C from A in one go, audited per token, and leaves a sibling and a user-made token alone', async () => {
    const a = await make(acme.tokens.admin, 'leaked');
    const b = await make(a.token, 'b');
    const c = await make(b.token, 'c');
    // A branch whose middle was revoked earlier: what it made still came from A.
    const b2 = await make(a.token, 'b2');
    const c2 = await make(b2.token, 'c2');
    expect((await revoke(b2.id)).status).toBe(200);
    const sibling = await make(acme.tokens.admin, 'sibling');
    const user = await test.hub.db.insertInto('users').values({ tenant_id: acme.id, email: 'bob@acme.example', name: 'Bob', role: 'admin' }).returning('id').executeTakeFirstOrThrow();
    const session: Principal = { tenantId: acme.id, role: 'admin', actorType: 'user', actorId: user.id, label: 'user:bob@acme.example', person: userPerson(user.id) };
    const byUser = await issueApiToken(test.hub, session, { name: 'bob-laptop', role: 'admin' }, 'req-bob');

    // Another tenant cannot reach the line.
    expect((await revoke(a.id, '?withDescendants=true', other.tokens.admin)).status).toBe(404);
    expect(await works(c.token)).toBe(200);

    const answer = await revoke(a.id, '?withDescendants=true');
    expect(answer.status).toBe(200);
    expect(answer.body.revokedTokenIds[0]).toBe(a.id);
    expect([...answer.body.revokedTokenIds].sort()).toEqual([a.id, b.id, c.id, c2.id].sort());
    expect(answer.body.activeDescendantIds).toEqual([]);
    for (const gone of [a, b, c, c2]) expect(await works(gone.token), gone.id).toBe(401);
    expect(await works(sibling.token)).toBe(200);
    expect(await works(byUser.token)).toBe(200);
    expect(await works(acme.tokens.admin)).toBe(200);

    const entries = await test.hub.db
      .selectFrom('audit_log')
      .select(['target_id', 'actor_type', 'actor_id', 'detail', 'request_id'])
      .where('action', '=', 'token.revoked')
      .where('target_id', 'in', [a.id, b.id, c.id, c2.id])
      .where('target_id', '!=', b2.id)
      .execute();
    expect(entries).toHaveLength(4);
    for (const entry of entries) expect(entry).toMatchObject({ actor_type: 'token', actor_id: adminTokenId });
    expect(new Set(entries.map((e) => e.request_id)).size).toBe(1);
    const detailOf = (id: string) => entries.find((e) => e.target_id === id)?.detail;
    expect(detailOf(a.id)).toEqual({ name: 'leaked' });
    expect(detailOf(b.id)).toEqual({ name: 'b', reason: `made by revoked token ${a.id}`, revokedWith: a.id });
    expect(detailOf(c.id)).toEqual({ name: 'c', reason: `made by revoked token ${b.id}`, revokedWith: a.id });
    expect(detailOf(c2.id)).toEqual({ name: 'c2', reason: `made by revoked token ${b2.id}`, revokedWith: a.id });
  });

  it('refuses a token made from the line by a request the revocation raced', async () => {
    const a = await make(acme.tokens.admin, 'raced');
    expect((await revoke(a.id, '?withDescendants=true')).status).toBe(200);
    // As a request authenticated with A just before the revocation committed would make it.
    const late = await createApiToken(test.hub.db, { tenantId: acme.id, role: 'admin', name: 'late', createdBy: 'token:raced', createdByTokenId: a.id });
    expect(await works(late.token)).toBe(401);
    // A token revoked alone keeps no such guard over what it made: revoking it left them working.
    const solo = await make(acme.tokens.admin, 'solo');
    expect((await revoke(solo.id)).status).toBe(200);
    const madeAfter = await createApiToken(test.hub.db, { tenantId: acme.id, role: 'viewer', name: 'after-solo', createdBy: 'token:solo', createdByTokenId: solo.id });
    expect(await works(madeAfter.token)).toBe(200);
  });

  it('answers as the OpenAPI document says', () => {
    expect([...new Set(problems)]).toEqual([]);
  });
});
