import { randomBytes, timingSafeEqual } from 'node:crypto';

// Cross-site request forgery defence in two layers: every form carries a secret token that a
// foreign page cannot read (checked against the session, or against a cookie before sign-in),
// and the browser's Origin / Sec-Fetch-Site headers must name this hub. Either alone stops a
// forged POST; both together also cover old browsers and misconfigured proxies.

export const CSRF_FIELD = '_csrf';

export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison; anything missing or of another length is a mismatch. */
export function tokensMatch(expected: string | undefined, presented: unknown): boolean {
  if (!expected || typeof presented !== 'string' || presented.length === 0) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface OriginHeaders {
  origin?: string | undefined;
  referer?: string | undefined;
  secFetchSite?: string | undefined;
}

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Whether a state-changing request comes from one of `allowedHosts` (host[:port]). A request
 * without Origin and Referer (some privacy tools strip both) is let through to the token check.
 */
export function checkOrigin(headers: OriginHeaders, allowedHosts: readonly string[]): OriginVerdict {
  const allowed = new Set(allowedHosts.map((host) => host.toLowerCase()));
  // Browsers set Sec-Fetch-Site themselves and pages cannot forge it; it also survives referrer
  // policies that turn Origin into "null". Without it (older browsers) Origin or Referer decide.
  if (headers.secFetchSite === 'same-origin') return { ok: true };
  if (headers.secFetchSite === 'cross-site') return { ok: false, reason: 'the form was submitted from another site' };
  const claimed = headers.origin ?? headers.referer;
  if (claimed === undefined || claimed === '') return { ok: true };
  if (claimed === 'null') return { ok: false, reason: 'the form was submitted from an opaque origin' };
  const host = hostOf(claimed);
  if (!host || !allowed.has(host)) return { ok: false, reason: `the form was submitted from ${host ?? 'an unknown origin'}, not from this hub` };
  return { ok: true };
}
