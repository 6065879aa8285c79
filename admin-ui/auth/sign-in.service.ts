import { recordAudit } from '../../core/audit/audit.repository.ts';
import { unstorableFields } from '../../core/http/storable-input.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import { findTenantBySlug } from '../../core/tenancy/tenant.repository.ts';
import { findUserByEmail, setPasswordHash, type UserRow } from '../../core/users/user.repository.ts';
import { MAX_EMAIL_LENGTH, normalizeEmail } from '../../core/users/user.service.ts';
import { admitAttempt, lockedUntil, markAttemptSucceeded, purgeOldAttempts, recentAttempts, type AttemptScope } from './lockout.ts';
import { dummyPasswordHash, hashPassword, MAX_PASSWORD_LENGTH, needsRehash, verifyPassword } from '../../core/auth/password.ts';
import { createSession, purgeExpiredSessions } from './session.service.ts';
import { isKnownBrowser, knownBrowserMark } from './known-browser.ts';
import { inSignInSlot } from './sign-in-slots.ts';

export interface SignInRequest {
  workspace: string;
  email: string;
  password: string;
  ip: string | undefined;
  userAgent: string | undefined;
  requestId: string;
  /** The browser's mark of an earlier sign-in (known-browser.ts), if it has one. */
  knownBrowserMark?: string | undefined;
}

export type SignInResult =
  | { ok: true; token: string; expiresAt: Date; user: UserRow; knownBrowserMark: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date }
  /** Too many sign-ins at once (sign-in-slots.ts): nothing was checked or counted. */
  | { ok: false; reason: 'busy' };

const MAX_UNKNOWN_WORKSPACE_LENGTH = 200;

/** The answer to a failed attempt: the one that reaches the limit already says so, rather than one attempt later. */
async function answerFailure(hub: HubContext, scope: AttemptScope, email: string, now: Date): Promise<SignInResult> {
  const nowLocked = lockedUntil(await recentAttempts(hub.db, scope, email, now), now);
  return nowLocked ? { ok: false, reason: 'locked', until: nowLocked } : { ok: false, reason: 'invalid' };
}

/**
 * Email and password sign-in with lockout. Unknown workspaces, unknown emails, disabled users and
 * wrong passwords all answer 'invalid' after the same argon2 work, so the answer reveals nothing
 * about which accounts exist.
 */
export async function signIn(hub: HubContext, request: SignInRequest): Promise<SignInResult> {
  return (await inSignInSlot(() => signInNow(hub, request))) ?? { ok: false, reason: 'busy' };
}

async function signInNow(hub: HubContext, request: SignInRequest): Promise<SignInResult> {
  const now = hub.clock();
  const email = normalizeEmail(request.email);
  const password = request.password.slice(0, MAX_PASSWORD_LENGTH + 1);
  // A workspace or email the database cannot hold (a NUL pasted in, an email too long for the
  // lockout's index) names no account; asking
  // PostgreSQL about it would fail with a 500 instead of the answer every unknown account gets.
  const storable = unstorableFields({ workspace: request.workspace, email }, 'body').length === 0 && email.length <= MAX_EMAIL_LENGTH;
  const slug = request.workspace.trim().toLowerCase();
  const tenant = storable ? await findTenantBySlug(hub.db, slug) : undefined;
  // (A slug longer than any workspace's is not worth a lockout row, and too long for its index.)
  if (!storable || email === '' || (!tenant && slug.length > MAX_UNKNOWN_WORKSPACE_LENGTH)) {
    await verifyPassword(password, await dummyPasswordHash());
    return { ok: false, reason: 'invalid' };
  }
  // A workspace that does not exist counts attempts and locks out like one that does.
  // Attempts from a browser that signed in as this email before count apart (lockout.ts).
  const scope: AttemptScope = tenant ? { tenantId: tenant.id, knownBrowser: isKnownBrowser(hub.masterKeys, tenant.id, email, request.knownBrowserMark) } : { workspace: slug };

  const admission = await admitAttempt(hub, { ...scope, email, ip: request.ip, at: now });
  if (!admission.admitted) return { ok: false, reason: 'locked', until: admission.until };
  if (!tenant) {
    await verifyPassword(password, await dummyPasswordHash());
    return answerFailure(hub, scope, email, now);
  }

  // Already recorded as a failure; it becomes a success only once the password is known to match.
  const user = await findUserByEmail(hub.db, tenant.id, email);
  const matches = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
  if (!user || !matches || user.disabled_at || password.length > MAX_PASSWORD_LENGTH) {
    if (user) {
      await recordAudit(hub.db, {
        tenantId: tenant.id, actorType: 'user', actorId: user.id, action: 'user.sign_in_failed',
        targetType: 'user', targetId: user.id, detail: { ip: request.ip ?? null }, requestId: request.requestId,
      });
    }
    return answerFailure(hub, scope, email, now);
  }

  await markAttemptSucceeded(hub.db, admission.attemptId);
  if (user.password_hash && needsRehash(user.password_hash)) await setPasswordHash(hub.db, user.id, await hashPassword(password));
  const session = await createSession(hub.db, { userId: user.id, tenantId: tenant.id, userAgent: request.userAgent, ip: request.ip, now });
  await recordAudit(hub.db, {
    tenantId: tenant.id, actorType: 'user', actorId: user.id, action: 'user.signed_in',
    targetType: 'user', targetId: user.id, detail: { ip: request.ip ?? null }, requestId: request.requestId,
  });
  return { ok: true, token: session.token, expiresAt: session.expiresAt, user, knownBrowserMark: knownBrowserMark(hub.masterKeys, tenant.id, email) };
}

/**
 * Housekeeping of the maintenance schedule: ended sessions and attempts too old to lock anyone out.
 * Hourly rather than on sign-ins: a hub that only its API uses (nobody signs in) would otherwise
 * keep every refused attempt a flood of guesses leaves.
 */
export async function purgeSignInRecords(db: HubContext['db'], now: Date): Promise<void> {
  await Promise.all([purgeExpiredSessions(db, now), purgeOldAttempts(db, now)]);
}
