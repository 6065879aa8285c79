import type { IncomingMessage } from 'node:http';
import { userForAccessToken, type FakeOAuthSettings, type IssuedToken } from './oauth.ts';

export interface FakeAuthSettings {
  basic?: { user: string; pass: string };
  oauth?: FakeOAuthSettings;
}

export type AuthOutcome = { ok: true; user: string } | { ok: false };

/**
 * Basic or Bearer, whichever is configured. With neither configured every call is let in as
 * `admin`, which keeps benchmarks and tests that are not about auth short.
 */
export function authenticate(request: IncomingMessage, settings: FakeAuthSettings, issued: IssuedToken[], now: Date): AuthOutcome {
  if (!settings.basic && !settings.oauth) return { ok: true, user: 'admin' };
  const header = request.headers.authorization ?? '';
  const [scheme = '', value = ''] = header.split(' ', 2);
  if (scheme.toLowerCase() === 'basic' && settings.basic) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    const user = decoded.slice(0, separator);
    if (separator > 0 && user === settings.basic.user && decoded.slice(separator + 1) === settings.basic.pass) return { ok: true, user };
  }
  if (scheme.toLowerCase() === 'bearer' && settings.oauth) {
    const user = userForAccessToken(issued, value, now);
    if (user !== undefined) return { ok: true, user };
  }
  return { ok: false };
}
