import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidMasterKeysError, resolveMasterKeys } from './master-key.file.ts';
import { parseMasterKeys } from './master-keys.ts';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-keys-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('master keys', () => {
  it('encrypts with the highest version and keeps every version for decryption', () => {
    const parsed = parseMasterKeys(`1:${key(1)}, 3:${key(3)},2:${key(2)}`);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.keys.current.version).toBe(3);
    expect([...parsed.keys.byVersion.keys()].sort()).toEqual([1, 2, 3]);
  });

  it('rejects malformed entries', () => {
    expect(parseMasterKeys('')).toMatchObject({ ok: false });
    expect(parseMasterKeys(`x:${key(1)}`)).toEqual({ ok: false, error: 'entry 1 is not version:base64' });
    expect(parseMasterKeys(`0:${key(1)}`)).toMatchObject({ ok: false, error: expect.stringMatching(/versions start at 1/) });
    // Versions are stored in integer columns: a larger one would fail every credential write later.
    expect(parseMasterKeys(`3000000000:${key(1)}`)).toMatchObject({ ok: false, error: expect.stringMatching(/versions end at 2147483647/) });
    expect(parseMasterKeys(`2147483647:${key(1)}`)).toMatchObject({ ok: true });
  });

  it('generates a key once into the data directory with mode 0600 and reuses it', () => {
    const dir = tempDir();
    const first = resolveMasterKeys(undefined, dir);
    expect(first.generatedAt).toBe(join(dir, 'master.keys'));
    expect(statSync(join(dir, 'master.keys')).mode & 0o777).toBe(0o600);
    const second = resolveMasterKeys(undefined, dir);
    expect(second.generatedAt).toBeUndefined();
    expect(second.keys.current.key.equals(first.keys.current.key)).toBe(true);
    expect(readFileSync(join(dir, 'master.keys'), 'utf8')).toMatch(/^1:[A-Za-z0-9+/]{43}=\n$/);
  });

  it('leaves no part-written key file and no temporary file behind, and keeps a file another process made first', () => {
    const dir = tempDir();
    const theirs = `1:${key(9)}\n`;
    writeFileSync(join(dir, 'master.keys'), theirs, { mode: 0o600 });
    const resolved = resolveMasterKeys(undefined, dir);
    expect(resolved.generatedAt).toBeUndefined();
    expect(readFileSync(join(dir, 'master.keys'), 'utf8')).toBe(theirs);
    const fresh = tempDir();
    resolveMasterKeys(undefined, fresh);
    expect(readdirSync(fresh)).toEqual(['master.keys']);
  });

  it('says what to do about an empty key file, without a key in the message', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'master.keys'), '');
    expect(() => resolveMasterKeys(undefined, dir)).toThrow(InvalidMasterKeysError);
    expect(() => resolveMasterKeys(undefined, dir)).toThrow(/is empty: it was cut off while being created.*delete it and start again/);
    writeFileSync(join(dir, 'master.keys'), `1:${key(1).slice(0, 10)}\n`);
    expect(() => resolveMasterKeys(undefined, dir)).toThrow(InvalidMasterKeysError);
  });

  it('prefers HUB_MASTER_KEYS and writes no file then', () => {
    const dir = tempDir();
    const resolved = resolveMasterKeys(`5:${key(5)}`, dir);
    expect(resolved).toMatchObject({ source: 'environment' });
    expect(resolved.keys.current.version).toBe(5);
    expect(() => statSync(join(dir, 'master.keys'))).toThrow();
  });

  it('encrypts with HUB_MASTER_KEY_ENCRYPT_VERSION when given, a version the keys must list', () => {
    const dir = tempDir();
    const staged = resolveMasterKeys(`2:${key(2)},1:${key(1)}`, dir, 1);
    expect(staged.keys.current.version).toBe(1);
    expect([...staged.keys.byVersion.keys()].sort()).toEqual([1, 2]);
    expect(() => resolveMasterKeys(`2:${key(2)},1:${key(1)}`, dir, 3)).toThrow(
      new InvalidMasterKeysError('HUB_MASTER_KEY_ENCRYPT_VERSION is 3, but the master keys list only version 2, 1'),
    );
    // The generated key file of embedded mode is staged the same way.
    expect(() => resolveMasterKeys(undefined, dir, 2)).toThrow(/HUB_MASTER_KEY_ENCRYPT_VERSION is 2, but the master keys list only version 1$/);
  });
});
