import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { MasterKey, MasterKeySet } from '../../core/vault/master-keys.ts';

// A browser that signed in as an email before carries a mark of that (a cookie): its sign-in
// attempts are counted apart from everyone else's, so a stream of guesses from elsewhere, which
// locks the email, does not lock its owner out of their own browser. The mark is an HMAC of the
// workspace and email under a key derived from the master key: nothing to store, and nobody can
// make one for an email they never signed in as. A mark made under a key since rotated away no
// longer counts, and the next sign-in makes a new one.

function markKey(key: MasterKey): Buffer {
  return Buffer.from(hkdfSync('sha256', key.key, Buffer.alloc(0), 'hub admin known-browser mark', 32));
}

function markUnder(key: MasterKey, tenantId: string, email: string): Buffer {
  return createHmac('sha256', markKey(key)).update(`${tenantId}\n${email}`).digest();
}

function markText(key: MasterKey, tenantId: string, email: string): string {
  return `${key.version}.${markUnder(key, tenantId, email).toString('base64url')}`;
}

/** The mark a browser gets when it signs in as `email` of the tenant. */
export function knownBrowserMark(keys: MasterKeySet, tenantId: string, email: string): string {
  return markText(keys.current, tenantId, email);
}

/**
 * Whether `presented` is the mark of a browser that signed in as `email` of the tenant. Compared as
 * text: decoding would let several spellings of the last character stand for one mark.
 */
export function isKnownBrowser(keys: MasterKeySet, tenantId: string, email: string, presented: string | undefined): boolean {
  const version = presented === undefined ? null : /^(\d{1,10})\.[A-Za-z0-9_-]{43}$/.exec(presented)?.[1];
  const key = version ? keys.byVersion.get(Number(version)) : undefined;
  if (!key || presented === undefined) return false;
  const expected = Buffer.from(markText(key, tenantId, email));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
