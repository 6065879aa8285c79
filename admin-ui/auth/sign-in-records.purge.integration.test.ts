import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAINTENANCE_QUEUE } from '../../core/server/maintenance.ts';
import { findUserByEmail } from '../../core/users/user.repository.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { createTestUser } from '../../test-support/browser/admin-server.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { createSession } from './session.service.ts';

// Refused sign-ins and ended sessions go on the maintenance schedule, not on the next sign-in: a hub
// used only through its API (nobody ever signs in) must not keep every attempt a flood of guesses
// leaves, for good.

describe.each(RUNTIME_MODES)('sign-in records housekeeping on $name', ({ options }) => {
  let test: TestHub;
  let acme: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'sign_in_purge', ...options, workers: true });
    acme = await test.createTenant('acme');
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  it('removes attempts older than a day and ended sessions, and keeps the rest', async () => {
    const now = Date.now();
    const hoursAgo = (hours: number) => new Date(now - hours * 3_600_000);
    const attempt = (email: string, outcome: string, at: Date) =>
      sql`insert into admin_login_attempts (tenant_id, workspace, email, outcome, ip, known_browser, attempted_at)
          values (null, 'nowhere', ${email}, ${outcome}, null, false, ${at})`.execute(test.hub.db);
    await attempt('old-guess@example.com', 'locked', hoursAgo(30));
    await attempt('old-guess@example.com', 'failure', hoursAgo(25));
    await attempt('recent-guess@example.com', 'failure', hoursAgo(1));

    const user = await createTestUser(test.hub.db, acme.id, 'viewer');
    const userId = (await findUserByEmail(test.hub.db, acme.id, user.email))!.id;
    const ended = await createSession(test.hub.db, { userId, tenantId: acme.id, userAgent: undefined, ip: undefined, now: hoursAgo(13) });
    const live = await createSession(test.hub.db, { userId, tenantId: acme.id, userAgent: undefined, ip: undefined, now: new Date(now) });

    await test.hub.queue.add(MAINTENANCE_QUEUE, 'sign-in-records', {});
    await waitFor('the old attempts to go', async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from admin_login_attempts where email = 'old-guess@example.com'`.execute(test.hub.db);
      return rows[0]!.n === 0 ? true : undefined;
    });
    const { rows: kept } = await sql<{ email: string }>`select email from admin_login_attempts`.execute(test.hub.db);
    expect(kept.map((row) => row.email)).toEqual(['recent-guess@example.com']);
    const { rows: sessions } = await sql<{ expires_at: Date }>`select expires_at from admin_sessions where user_id = ${userId}`.execute(test.hub.db);
    expect(sessions.map((row) => row.expires_at.getTime())).toEqual([live.expiresAt.getTime()]);
    expect(ended.expiresAt.getTime()).toBeLessThan(now);
  });
});
