import type { Kysely } from 'kysely';
import type { Database } from '../../core/db/database.types.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import { withClusterLock } from '../../core/locks/cluster-lock.ts';
import { adminDb, type LoginOutcome } from '../db/admin-db.ts';

// Lockout: after MAX_FAILURES failed sign-ins for one email within WINDOW_MS, further attempts
// are refused without checking the password until the oldest of those failures leaves the
// window. Refused attempts are recorded as 'locked' and do not extend the lock. A success clears
// the count. Attempts from a browser that signed in as the email before (known-browser.ts) are
// counted and locked apart: someone guessing from elsewhere, who can relock the email as soon as
// each lock ends, does not lock its owner out of their own browser.

export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;

export interface Attempt {
  outcome: LoginOutcome;
  attempted_at: Date;
}

/** When the lock ends, or undefined when not locked. `attempts` may be in any order. */
export function lockedUntil(attempts: readonly Attempt[], now: Date): Date | undefined {
  const since = now.getTime() - WINDOW_MS;
  // Stable sort: attempts of the same instant keep the order they were read in.
  const recent = attempts.filter((a) => a.attempted_at.getTime() > since).sort((a, b) => b.attempted_at.getTime() - a.attempted_at.getTime());
  const failures: Date[] = [];
  for (const attempt of recent) {
    if (attempt.outcome === 'success') break;
    if (attempt.outcome === 'failure') failures.push(attempt.attempted_at);
  }
  if (failures.length < MAX_FAILURES) return undefined;
  const oldestCounted = failures[MAX_FAILURES - 1];
  return oldestCounted ? new Date(oldestCounted.getTime() + WINDOW_MS) : undefined;
}

/**
 * The newest attempts that decide the lock: failures and successes only. Refused ('locked')
 * attempts are left out, so however many of them pile up they cannot push the failures out of
 * what is read. The newest MAX_FAILURES of these are enough: either they are all failures (locked
 * until the oldest of them leaves the window) or a success among them cleared the count. Within
 * one instant failures come first, so a tie never hides one behind a success.
 */
export async function recentAttempts(db: Kysely<Database>, scope: AttemptScope, email: string, now: Date): Promise<Attempt[]> {
  return adminDb(db)
    .selectFrom('admin_login_attempts')
    .select(['outcome', 'attempted_at'])
    .where((eb) => ('tenantId' in scope ? eb('tenant_id', '=', scope.tenantId) : eb.and([eb('tenant_id', 'is', null), eb('workspace', '=', scope.workspace)])))
    .where('email', '=', email)
    .where('known_browser', '=', knownBrowser(scope))
    .where('outcome', 'in', ['failure', 'success'])
    .where('attempted_at', '>', new Date(now.getTime() - WINDOW_MS))
    .orderBy('attempted_at', 'desc')
    .orderBy('outcome', 'asc')
    .limit(MAX_FAILURES)
    .execute();
}

/**
 * Whose attempts count together, with the email: a workspace's, or those naming a workspace slug
 * that does not exist, which lock out alike so that a lock tells nothing about which workspaces exist.
 */
export type AttemptScope = { tenantId: string; knownBrowser?: boolean } | { workspace: string };

const knownBrowser = (scope: AttemptScope): boolean => 'tenantId' in scope && scope.knownBrowser === true;
const scopeKey = (scope: AttemptScope) => ('tenantId' in scope ? `${scope.tenantId}${knownBrowser(scope) ? ':known' : ''}` : `workspace:${scope.workspace}`);

export type Admission = { admitted: true; attemptId: string } | { admitted: false; until: Date };

/**
 * Decides whether this attempt may check a password, and records it, under a lock per email
 * across all processes. An admitted attempt is recorded as a failure before its password is
 * checked, so concurrent attempts see it and at most MAX_FAILURES passwords are checked per
 * window; `markAttemptSucceeded` turns it into a success afterwards. The lock is held only for
 * these two queries, not for the slow password check.
 */
export function admitAttempt(
  hub: Pick<HubContext, 'db' | 'database'>,
  attempt: AttemptScope & { email: string; ip: string | undefined; at: Date },
): Promise<Admission> {
  return withClusterLock(hub, `admin-sign-in:${scopeKey(attempt)}:${attempt.email}`, async (db) => {
    const until = lockedUntil(await recentAttempts(db, attempt, attempt.email, attempt.at), attempt.at);
    if (until) {
      await recordAttempt(db, { ...attempt, outcome: 'locked' });
      return { admitted: false, until };
    }
    return { admitted: true, attemptId: await recordAttempt(db, { ...attempt, outcome: 'failure' }) };
  });
}

async function recordAttempt(
  db: Kysely<Database>,
  attempt: AttemptScope & { email: string; outcome: LoginOutcome; ip: string | undefined; at: Date },
): Promise<string> {
  const scope = 'tenantId' in attempt ? { tenant_id: attempt.tenantId, workspace: null } : { tenant_id: null, workspace: attempt.workspace };
  const row = await adminDb(db)
    .insertInto('admin_login_attempts')
    .values({ ...scope, email: attempt.email, outcome: attempt.outcome, ip: attempt.ip ?? null, known_browser: knownBrowser(attempt), attempted_at: attempt.at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function markAttemptSucceeded(db: Kysely<Database>, attemptId: string): Promise<void> {
  await adminDb(db).updateTable('admin_login_attempts').set({ outcome: 'success' }).where('id', '=', attemptId).execute();
}

/** Attempts older than a day serve no lockout; keep the table small. */
export async function purgeOldAttempts(db: Kysely<Database>, now: Date): Promise<void> {
  await adminDb(db)
    .deleteFrom('admin_login_attempts')
    .where('attempted_at', '<', new Date(now.getTime() - 24 * 60 * 60 * 1000))
    .execute();
}
