import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, parsePasswordHash, passwordProblem, verifyPassword } from './password.ts';

// Cheap parameters keep the tests fast; the format and comparison are the same.
const FAST = { memoryKiB: 64, passes: 1, parallelism: 1 };

describe('password hashing', () => {
  it('stores argon2id PHC strings with a fresh salt each time', async () => {
    const first = await hashPassword('correct horse battery', FAST);
    const second = await hashPassword('correct horse battery', FAST);
    expect(first).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(second).not.toBe(first);
  });

  it('uses OWASP-level parameters by default', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(parsePasswordHash(stored)?.cost).toEqual({ memoryKiB: 19_456, passes: 2, parallelism: 1 });
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
  });

  it('verifies the right password and refuses others', async () => {
    const stored = await hashPassword('correct horse battery', FAST);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('verifies hashes made with other parameters, reading them from the string', async () => {
    const stored = await hashPassword('päss wörd ünïcode', { memoryKiB: 128, passes: 3, parallelism: 2 });
    expect(stored).toContain('$m=128,t=3,p=2$');
    expect(await verifyPassword('päss wörd ünïcode', stored)).toBe(true);
  });

  it('refuses malformed or tampered hashes instead of throwing', async () => {
    const stored = await hashPassword('correct horse battery', FAST);
    for (const bad of ['', 'plain', stored.replace('argon2id', 'argon2i'), stored.replace('m=64', 'm=99999999'), stored.replace('p=1', 'p=0'), stored.slice(0, -10)]) {
      expect(await verifyPassword('correct horse battery', bad), bad).toBe(false);
    }
  });

  it('asks for a rehash when the stored parameters are weaker than the defaults', async () => {
    expect(needsRehash(await hashPassword('x'.repeat(12), FAST))).toBe(true);
    expect(needsRehash(await hashPassword('x'.repeat(12)))).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });

  it('refuses passwords under 12 characters', () => {
    expect(passwordProblem('short')).toMatch(/at least 12/);
    expect(passwordProblem(' '.repeat(12))).toMatch(/spaces/);
    expect(passwordProblem('twelve chars')).toBeUndefined();
  });
});
