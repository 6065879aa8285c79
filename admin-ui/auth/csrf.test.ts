import { describe, expect, it } from 'vitest';
import { checkOrigin, newCsrfToken, tokensMatch } from './csrf.ts';

describe('CSRF tokens', () => {
  it('are long, random and URL-safe', () => {
    const token = newCsrfToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newCsrfToken()).not.toBe(token);
  });

  it('match only the exact token', () => {
    const token = newCsrfToken();
    expect(tokensMatch(token, token)).toBe(true);
    expect(tokensMatch(token, token.slice(0, -1))).toBe(false);
    expect(tokensMatch(token, `${token}x`)).toBe(false);
    expect(tokensMatch(token, newCsrfToken())).toBe(false);
  });

  it('never match when either side is missing or not a string', () => {
    expect(tokensMatch(undefined, undefined)).toBe(false);
    expect(tokensMatch('', '')).toBe(false);
    expect(tokensMatch('abc', undefined)).toBe(false);
    expect(tokensMatch('abc', ['abc'])).toBe(false);
    expect(tokensMatch(undefined, 'abc')).toBe(false);
  });
});

describe('origin check', () => {
  const hosts = ['hub.example.com', '127.0.0.1:8080'];

  it('accepts this hub as Origin or Referer', () => {
    expect(checkOrigin({ origin: 'https://hub.example.com' }, hosts)).toEqual({ ok: true });
    expect(checkOrigin({ origin: 'http://127.0.0.1:8080', secFetchSite: 'same-origin' }, hosts)).toEqual({ ok: true });
    expect(checkOrigin({ referer: 'https://hub.example.com/admin/tasks?x=1' }, hosts)).toEqual({ ok: true });
    expect(checkOrigin({ origin: 'https://HUB.example.com' }, hosts)).toEqual({ ok: true });
  });

  it('trusts the browser-set Sec-Fetch-Site: same-origin even when a referrer policy nulls Origin', () => {
    expect(checkOrigin({ origin: 'null', secFetchSite: 'same-origin' }, hosts)).toEqual({ ok: true });
    expect(checkOrigin({ origin: 'https://evil.example', secFetchSite: 'same-site' }, hosts).ok).toBe(false);
  });

  it('leaves requests without Origin and Referer to the token check', () => {
    expect(checkOrigin({}, hosts)).toEqual({ ok: true });
  });

  it('refuses other sites, other ports, opaque origins and cross-site fetches', () => {
    expect(checkOrigin({ origin: 'https://evil.example' }, hosts)).toMatchObject({ ok: false, reason: expect.stringContaining('evil.example') });
    expect(checkOrigin({ origin: 'http://127.0.0.1:9999' }, hosts).ok).toBe(false);
    expect(checkOrigin({ origin: 'https://hub.example.com.evil.example' }, hosts).ok).toBe(false);
    expect(checkOrigin({ origin: 'null' }, hosts).ok).toBe(false);
    expect(checkOrigin({ origin: 'not a url' }, hosts).ok).toBe(false);
    expect(checkOrigin({ secFetchSite: 'cross-site' }, hosts).ok).toBe(false);
    // Origin wins over a Referer that looks right.
    expect(checkOrigin({ origin: 'https://evil.example', referer: 'https://hub.example.com/' }, hosts).ok).toBe(false);
  });
});
