import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubContext } from '../../core/server/hub-context.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { createTestUser, type TestUser } from '../../test-support/browser/admin-server.ts';
import { CookieClient } from '../../test-support/browser/cookie-client.ts';
import { MAX_FAILURES, WINDOW_MS } from './lockout.ts';
import { signIn, type SignInResult } from './sign-in.service.ts';

// Lockout against what an attacker can do: flood a locked email with refused attempts to push the
// failures out of sight, or send many guesses at once so they all pass the lock check together.
// On both databases: the lock is a PostgreSQL advisory lock on one, an in-process mutex on the other.

describe.each(['postgres', 'pglite'] as const)('sign-in lockout on %s', (database) => {
  let test: TestHub;
  let acme: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: `sign_in_lockout_${database}`, database, queue: 'memory' });
    acme = await test.createTenant('acme');
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  const outcomes = async (email: string): Promise<Record<string, number>> => {
    const { rows } = await sql<{ outcome: string; n: number }>`
      select outcome, count(*)::int as n from admin_login_attempts where email = ${email} group by 1`.execute(test.hub.db);
    return Object.fromEntries(rows.map((row) => [row.outcome, row.n]));
  };

  /** A cookie client that has fetched the sign-in page, and its CSRF token. */
  const signInPage = async (): Promise<{ client: CookieClient; csrf: string }> => {
    const client = new CookieClient(test.app);
    await client.get('/admin/login?workspace=acme');
    const csrf = client.csrfToken();
    if (!csrf) throw new Error('no CSRF token on the sign-in page');
    return { client, csrf };
  };

  it('stays locked however many refused attempts follow the fifth failure', async () => {
    const victim = await createTestUser(test.hub.db, acme.id, 'admin');
    const { client, csrf } = await signInPage();
    const attempt = (password: string) => client.post('/admin/login', { email: victim.email, password, workspace: 'acme' }, { csrf });
    const statuses: number[] = [];
    for (let i = 0; i < MAX_FAILURES; i++) statuses.push((await attempt(`wrong password ${i}xx`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    for (let i = 0; i < 60; i++) expect((await attempt(`still guessing ${i}xx`)).status).toBe(429);
    const final = await attempt(victim.password);
    expect(final.status).toBe(429);
    expect(await outcomes(victim.email)).toEqual({ failure: MAX_FAILURES, locked: 61 });
  }, 120_000);

  it('checks at most five passwords when many sign-ins for one email arrive at once', async () => {
    const victim = await createTestUser(test.hub.db, acme.id, 'admin');
    const { client, csrf } = await signInPage();
    const guesses = Array.from({ length: 12 }, (_, i) => `wrong guess number ${i}`);
    const results = await Promise.all(guesses.map((password) => {
      const concurrent = new CookieClient(test.app);
      for (const [name, value] of client.cookies) concurrent.cookies.set(name, value);
      return concurrent.post('/admin/login', { email: victim.email, password, workspace: 'acme' }, { csrf });
    }));
    // Admitted guesses may already see the lock their neighbours completed, so 401 or 429 each.
    for (const result of results) expect([401, 429]).toContain(result.status);
    expect(await outcomes(victim.email)).toEqual({ failure: MAX_FAILURES, locked: 12 - MAX_FAILURES });
    // The right password, sent after the burst, is refused like any other.
    const right = await client.post('/admin/login', { email: victim.email, password: victim.password, workspace: 'acme' }, { csrf });
    expect(right.status).toBe(429);
  }, 120_000);

  it("does not lock its owner's own browser when guesses from elsewhere lock the email", async () => {
    const victim = await createTestUser(test.hub.db, acme.id, 'admin');
    const own = await signInPage();
    expect((await own.client.post('/admin/login', { email: victim.email, password: victim.password, workspace: 'acme' }, { csrf: own.csrf })).status).toBe(303);
    expect(own.client.cookies.get('hub_known_browser')).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    // Signed out (or the session expired): the browser keeps its mark.
    own.client.cookies.delete('hub_session');

    const attacker = await signInPage();
    const guess = (password: string) => attacker.client.post('/admin/login', { email: victim.email, password, workspace: 'acme' }, { csrf: attacker.csrf });
    for (let i = 0; i < MAX_FAILURES; i++) await guess(`wrong guess ${i}xx`);
    expect((await guess(victim.password)).status).toBe(429);
    // A forged mark does not help it.
    const mark = own.client.cookies.get('hub_known_browser')!;
    const middle = mark.length - 20;
    attacker.client.cookies.set('hub_known_browser', `${mark.slice(0, middle)}${mark[middle] === 'A' ? 'B' : 'A'}${mark.slice(middle + 1)}`);
    expect((await guess(victim.password)).status).toBe(429);

    const again = await signInPage();
    for (const [name, value] of own.client.cookies) again.client.cookies.set(name, value);
    expect((await again.client.post('/admin/login', { email: victim.email, password: victim.password, workspace: 'acme' }, { csrf: again.csrf })).status).toBe(303);
  }, 120_000);

  describe('with a controlled clock', () => {
    let now: Date;
    let hub: HubContext;
    beforeAll(() => {
      now = new Date();
      hub = { ...test.hub, clock: () => now };
    });
    const tick = (ms: number) => (now = new Date(now.getTime() + ms));
    const attempt = (user: TestUser, password: string): Promise<SignInResult> =>
      signIn(hub, { workspace: 'acme', email: user.email, password, ip: '192.0.2.1', userAgent: 'test', requestId: 'req' });

    it('locks until the oldest counted failure is fifteen minutes old, and refused attempts do not move it', async () => {
      const user = await createTestUser(test.hub.db, acme.id, 'operator');
      const first = new Date(now);
      for (let i = 0; i < MAX_FAILURES; i++) {
        await attempt(user, `nope ${i}`);
        tick(1_000);
      }
      for (let i = 0; i < 60; i++) {
        expect(await attempt(user, `flood ${i}`)).toEqual({ ok: false, reason: 'locked', until: new Date(first.getTime() + WINDOW_MS) });
        tick(1_000);
      }
      now = new Date(first.getTime() + WINDOW_MS + 1);
      expect((await attempt(user, user.password)).ok).toBe(true);
      tick(1_000);
    });

    it('clears the count on a success', async () => {
      const user = await createTestUser(test.hub.db, acme.id, 'operator');
      for (let i = 0; i < MAX_FAILURES - 1; i++) {
        expect(await attempt(user, `nope ${i}`)).toEqual({ ok: false, reason: 'invalid' });
        tick(1_000);
      }
      expect((await attempt(user, user.password)).ok).toBe(true);
      tick(1_000);
      for (let i = 0; i < MAX_FAILURES - 1; i++) {
        expect(await attempt(user, `again ${i}`)).toEqual({ ok: false, reason: 'invalid' });
        tick(1_000);
      }
      expect(await outcomes(user.email)).toEqual({ failure: 2 * (MAX_FAILURES - 1), success: 1 });
    });
  });
});
