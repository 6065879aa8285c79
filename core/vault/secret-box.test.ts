import { describe, expect, it } from 'vitest';
import { parseMasterKeys, type MasterKeySet } from './master-keys.ts';
import { seal, SecretDecryptionError, unseal } from './secret-box.ts';

function keySet(text: string): MasterKeySet {
  const parsed = parseMasterKeys(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.keys;
}
const k1 = Buffer.alloc(32, 1).toString('base64');
const k2 = Buffer.alloc(32, 2).toString('base64');
const binding = { tenantId: 't1', owner: 'integration:i1:credentials' };

describe('secret box', () => {
  it('round-trips and never repeats a ciphertext', () => {
    const keys = keySet(`1:${k1}`);
    const a = seal(keys, 'p@ssw0rd', binding);
    const b = seal(keys, 'p@ssw0rd', binding);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(unseal(keys, a, binding)).toBe('p@ssw0rd');
    expect(Buffer.from(a.ciphertext, 'base64').toString('latin1')).not.toContain('p@ssw0rd');
  });

  it('encrypts with the newest key and still decrypts older versions', () => {
    const old = seal(keySet(`1:${k1}`), 'secret', binding);
    const both = keySet(`2:${k2},1:${k1}`);
    expect(unseal(both, old, binding)).toBe('secret');
    expect(seal(both, 'secret', binding).keyVersion).toBe(2);
  });

  it('fails on a flipped bit, a swapped row, another tenant, a relabelled version or a missing key', () => {
    const keys = keySet(`2:${k2},1:${k1}`);
    const sealed = seal(keys, 'secret', binding);
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => unseal(keys, { ...sealed, ciphertext: raw.toString('base64') }, binding)).toThrow(SecretDecryptionError);
    expect(() => unseal(keys, sealed, { ...binding, owner: 'integration:i2:credentials' })).toThrow(SecretDecryptionError);
    expect(() => unseal(keys, sealed, { ...binding, tenantId: 't2' })).toThrow(SecretDecryptionError);
    expect(() => unseal(keys, { ...sealed, keyVersion: 1 }, binding)).toThrow(SecretDecryptionError);
    expect(() => unseal(keySet(`1:${k1}`), sealed, binding)).toThrow(/no master key version 2/);
  });
});
