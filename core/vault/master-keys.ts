// Versioned master keys for the credential vault, written `2:base64key,1:base64key`: the highest
// version encrypts, every listed version decrypts. Each key is 32 random bytes (AES-256).

export interface MasterKey {
  version: number;
  key: Buffer;
}

export interface MasterKeySet {
  current: MasterKey;
  byVersion: ReadonlyMap<number, MasterKey>;
}

/** Key versions are stored in integer columns beside each sealed value. */
export const MAX_KEY_VERSION = 2_147_483_647;

export const MASTER_KEY_FORMAT = 'comma-separated version:base64 pairs of 32-byte keys, e.g. 2:<base64>,1:<base64>';

/** Parses the key list; returns an error sentence (never the key material) when it is malformed. */
export function parseMasterKeys(text: string): { ok: true; keys: MasterKeySet } | { ok: false; error: string } {
  const byVersion = new Map<number, MasterKey>();
  for (const [index, entry] of text.split(',').entries()) {
    const match = /^\s*(\d+):([A-Za-z0-9+/=_-]+)\s*$/.exec(entry);
    if (!match) return { ok: false, error: `entry ${index + 1} is not version:base64` };
    const version = Number(match[1]);
    const key = Buffer.from(match[2] ?? '', 'base64');
    if (version < 1) return { ok: false, error: `entry ${index + 1} has version ${version}; versions start at 1` };
    if (version > MAX_KEY_VERSION) return { ok: false, error: `entry ${index + 1} has version ${version}; versions end at ${MAX_KEY_VERSION}` };
    if (key.length !== 32) return { ok: false, error: `key version ${version} is ${key.length} bytes; expected 32` };
    if (byVersion.has(version)) return { ok: false, error: `key version ${version} is listed twice` };
    byVersion.set(version, { version, key });
  }
  const current = [...byVersion.values()].sort((a, b) => b.version - a.version)[0];
  if (!current) return { ok: false, error: 'no key given' };
  return { ok: true, keys: { current, byVersion } };
}
