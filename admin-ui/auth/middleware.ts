import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Role } from '../../core/auth/roles.ts';
import { roleAllows } from '../../core/auth/roles.ts';
import { ApiError, ForbiddenError } from '../../core/http/api-error.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { checkOrigin, CSRF_FIELD, tokensMatch } from './csrf.ts';
import { clearSessionCookie, isHttps, readLoginCsrfCookie, readSessionCookie } from './session-cookie.ts';
import { loadSession, type AdminSession } from './session.service.ts';
import { readForm } from '../form-data.ts';

/** A state-changing request that failed the CSRF checks. */
export class CsrfError extends ApiError {
  constructor(reason: string) {
    super(403, 'csrf_failed', reason);
  }
}

/** Decides https-ness and loads the session named by the cookie, if any. */
export function loadAdminSession(hub: HubContext): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const secure = isHttps(c, hub.config.HUB_PUBLIC_URL);
    c.set('secure', secure);
    const token = readSessionCookie(c, secure);
    c.set('session', token ? await loadSession(hub.db, token, hub.clock()) : undefined);
    await next();
  };
}

function allowedHosts(c: Context, publicUrl: string | undefined): string[] {
  const hosts = [c.req.header('host'), c.req.header('x-forwarded-host')?.split(',')[0]?.trim(), new URL(c.req.url).host];
  if (publicUrl) hosts.push(new URL(publicUrl).host);
  return hosts.filter((host): host is string => Boolean(host));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every POST must come from this hub (Origin / Sec-Fetch-Site) and carry the form token: the
 * session's, or before sign-in the one in the sign-in cookie (double submit).
 */
export function csrfProtection(hub: HubContext): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = checkOrigin(
      { origin: c.req.header('origin'), referer: c.req.header('referer'), secFetchSite: c.req.header('sec-fetch-site') },
      allowedHosts(c, hub.config.HUB_PUBLIC_URL),
    );
    if (!origin.ok) throw new CsrfError(origin.reason);
    const contentType = c.req.header('content-type') ?? '';
    const isForm = contentType.startsWith('application/x-www-form-urlencoded') || contentType.startsWith('multipart/form-data');
    const form = isForm ? await readForm(c) : {};
    const presented = form[CSRF_FIELD];
    const session = c.get('session');
    // A sign-in form still open in a second tab after signing in in the first: its token was the
    // sign-in cookie's, which the sign-in replaced. Go on as the sign-in page itself does for a
    // live session; nothing is changed, so no token is needed for it.
    if (session && c.req.path === '/admin/login') return c.redirect(safeNext(form.next), 303);
    const expected = session ? session.csrfToken : readLoginCsrfCookie(c, c.get('secure'));
    if (!tokensMatch(expected, presented)) throw new CsrfError('the form is missing its security token or the token has expired');
    await next();
  };
}

const PUBLIC_PATHS = new Set(['/admin/login', '/admin/assets/app.css']);

/**
 * A form posted with the cookie of a session that has ended (idle, expired, signed out elsewhere,
 * user disabled) goes to sign-in with a word on why, before the CSRF check: that check compares
 * against the live session's token, so it would answer 403 "could not be accepted" to a form that
 * is merely late. Nothing is done for such a request, so forged ones gain nothing; requests of a
 * live session still meet the full CSRF check. Signing out is already done: the cookie goes.
 */
export function endedSessionToSignIn(): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || PUBLIC_PATHS.has(c.req.path) || c.get('session')) return next();
    const secure = c.get('secure');
    if (readSessionCookie(c, secure) === undefined) return next();
    clearSessionCookie(c, secure);
    const notice = c.req.path === '/admin/logout' ? 'signed_out' : 'session_expired';
    return c.redirect(`/admin/login?notice=${notice}`, 303);
  };
}

/** Sends anyone without a session to the sign-in page, remembering where they were going. */
export function requireSignIn(): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path) || c.get('session')) return next();
    const back = c.req.method === 'GET' ? `?next=${encodeURIComponent(c.req.path + new URL(c.req.url).search)}` : '';
    return c.redirect(`/admin/login${back}`, 303);
  };
}

export function currentSession(c: Context<AdminEnv>): AdminSession {
  const session = c.get('session');
  if (!session) throw new ApiError(401, 'unauthorized', 'sign in first');
  return session;
}

const ROLE_ABILITIES: Record<Role, string> = {
  viewer: 'look at integrations, runs, events, tasks and runbooks',
  operator: 'run checks and syncs, pause and resume integrations, and acknowledge and resolve tasks',
  admin: 'configure integrations and their credentials, routes and tenant settings',
};

/** The session of a user whose role allows `required`; a 403 page otherwise. */
export function requireRole(c: Context<AdminEnv>, required: Role): AdminSession {
  const session = currentSession(c);
  if (!roleAllows(session.user.role, required)) {
    throw new ForbiddenError(
      `Only users with the ${required} role can ${ROLE_ABILITIES[required]}. You are signed in as ${session.user.email} with the ${session.user.role} role.`,
    );
  }
  return session;
}

export function can(session: AdminSession | undefined, required: Role): boolean {
  return session !== undefined && roleAllows(session.user.role, required);
}

export function clientIp(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // In-process requests (tests) have no socket.
    return undefined;
  }
}

/**
 * Only paths inside the admin UI, so `?next=` cannot send people to another site; and without
 * control characters, which no Location header can carry (a forged NUL was a 500).
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/admin/') || next.startsWith('//') || next.includes('\\') || /[\u0000-\u001f\u007f]/.test(next)) return '/admin/health';
  return next;
}
