import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

// Cookie names and attributes. Over https the `__Host-` prefix pins the cookie to this host and
// path / with Secure, so a sibling subdomain cannot plant or overwrite it; plain http (local use,
// tests) cannot carry that prefix, so the bare name is used there.

const SESSION = 'hub_session';
const LOGIN_CSRF = 'hub_login_csrf';
const KNOWN_BROWSER = 'hub_known_browser';
/** How long a browser stays known after its last sign-in. */
const KNOWN_BROWSER_DAYS = 90;

/** True when the browser talks https to us, directly or through a TLS-terminating proxy. */
export function isHttps(c: Context, publicUrl: string | undefined): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  if (forwarded === 'https') return true;
  return publicUrl?.startsWith('https://') ?? false;
}

function name(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

function options(secure: boolean, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    secure,
    sameSite: 'Lax' as const,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

export function readSessionCookie(c: Context, secure: boolean): string | undefined {
  return getCookie(c, name(SESSION, secure));
}

export function writeSessionCookie(c: Context, secure: boolean, token: string, expiresAt: Date): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  setCookie(c, name(SESSION, secure), token, options(secure, maxAge));
}

export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, name(SESSION, secure), options(secure));
}

export function readLoginCsrfCookie(c: Context, secure: boolean): string | undefined {
  return getCookie(c, name(LOGIN_CSRF, secure));
}

export function writeLoginCsrfCookie(c: Context, secure: boolean, token: string): void {
  // Long enough to fill in the form after a coffee; a stale form just gets a fresh one.
  setCookie(c, name(LOGIN_CSRF, secure), token, options(secure, 2 * 60 * 60));
}

export function clearLoginCsrfCookie(c: Context, secure: boolean): void {
  deleteCookie(c, name(LOGIN_CSRF, secure), options(secure));
}

/** The mark of a browser that signed in before (known-browser.ts); kept across sign-outs. */
export function readKnownBrowserCookie(c: Context, secure: boolean): string | undefined {
  return getCookie(c, name(KNOWN_BROWSER, secure));
}

export function writeKnownBrowserCookie(c: Context, secure: boolean, mark: string): void {
  setCookie(c, name(KNOWN_BROWSER, secure), mark, options(secure, KNOWN_BROWSER_DAYS * 24 * 60 * 60));
}
