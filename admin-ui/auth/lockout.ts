import type { Kysely } from 'kysely';
import type { Database } from '../../core/db/database.types.ts';
import { adminDb, type LoginOutcome } from '../db/admin-db.ts';

// Lockout: after MAX_FAILURES failed sign-ins for one email within WINDOW_MS, further attempts
// are refused without checking the password until the oldest of those failures leaves the
// window. Refused attempts are recorded as 'locked' and do not extend the lock, so a stream of
// guesses cannot keep a person locked out for ever. A success clears the count.

export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;

export interface Attempt {
  outcome: LoginOutcome;
  attempted_at: Date;
}

/** When the lock ends, or undefined when not locked. `attempts` may be in any order. */
export function lockedUntil(attempts: readonly Attempt[], now: Date): Date | undefined {
  const since = now.getTime() - WINDOW_MS;
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

export async function recentAttempts(db: Kysely<Database>, tenantId: string, email: string, now: Date): Promise<Attempt[]> {
  return adminDb(db)
    .selectFrom('admin_login_attempts')
    .select(['outcome', 'attempted_at'])
    .where('tenant_id', '=', tenantId)
    .where('email', '=', email)
    .where('attempted_at', '>', new Date(now.getTime() - WINDOW_MS))
    .orderBy('attempted_at', 'desc')
    .limit(50)
    .execute();
}

export async function recordAttempt(
  db: Kysely<Database>,
  attempt: { tenantId: string; email: string; outcome: LoginOutcome; ip: string | undefined; at: Date },
): Promise<void> {
  await adminDb(db)
    .insertInto('admin_login_attempts')
    .values({ tenant_id: attempt.tenantId, email: attempt.email, outcome: attempt.outcome, ip: attempt.ip ?? null, attempted_at: attempt.at })
    .execute();
}

/** Attempts older than a day serve no lockout; keep the table small. */
export async function purgeOldAttempts(db: Kysely<Database>, now: Date): Promise<void> {
  await adminDb(db)
    .deleteFrom('admin_login_attempts')
    .where('attempted_at', '<', new Date(now.getTime() - 24 * 60 * 60 * 1000))
    .execute();
}
