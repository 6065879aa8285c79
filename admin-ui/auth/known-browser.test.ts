import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MasterKeySet } from '../../core/vault/master-keys.ts';
import { isKnownBrowser, knownBrowserMark } from './known-browser.ts';

const keyOne = { version: 1, key: randomBytes(32) };
const keyTwo = { version: 2, key: randomBytes(32) };
const keys: MasterKeySet = { current: keyTwo, byVersion: new Map([[1, keyOne], [2, keyTwo]]) };

describe('the known-browser mark', () => {
  const tenant = randomUUID();

  it('is known for its workspace and email only', () => {
    const mark = knownBrowserMark(keys, tenant, 'ann@example.com');
    expect(isKnownBrowser(keys, tenant, 'ann@example.com', mark)).toBe(true);
    expect(isKnownBrowser(keys, tenant, 'bob@example.com', mark)).toBe(false);
    expect(isKnownBrowser(keys, randomUUID(), 'ann@example.com', mark)).toBe(false);
    expect(isKnownBrowser(keys, tenant, 'ann@example.com', undefined)).toBe(false);
  });

  it('has one spelling: every other last character is refused, though base64 decoding would drop its low bits', () => {
    for (let i = 0; i < 40; i++) {
      const email = `u${i}@example.com`;
      const mark = knownBrowserMark(keys, tenant, email);
      for (const last of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
        const spelled = `${mark.slice(0, -1)}${last}`;
        expect(isKnownBrowser(keys, tenant, email, spelled)).toBe(spelled === mark);
      }
    }
  });

  it('made under an older key still counts while that key is listed, and not after', () => {
    const older: MasterKeySet = { current: keyOne, byVersion: new Map([[1, keyOne]]) };
    const mark = knownBrowserMark(older, tenant, 'ann@example.com');
    expect(isKnownBrowser(keys, tenant, 'ann@example.com', mark)).toBe(true);
    expect(isKnownBrowser({ current: keyTwo, byVersion: new Map([[2, keyTwo]]) }, tenant, 'ann@example.com', mark)).toBe(false);
  });
});
