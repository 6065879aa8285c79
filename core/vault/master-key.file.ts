import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMasterKeys, type MasterKeySet } from './master-keys.ts';

export const MASTER_KEY_FILE = 'master.keys';

export function generateMasterKeyEntry(version = 1): string {
  return `${version}:${randomBytes(32).toString('base64')}`;
}

export interface ResolvedMasterKeys {
  keys: MasterKeySet;
  /** Set when the keys came from a file that this call just created. */
  generatedAt?: string;
  source: 'environment' | 'file';
}

/**
 * HUB_MASTER_KEYS wins. Without it (never in production, which config loading refuses) a key is
 * generated once into the data directory, readable by the owner only, and reused afterwards.
 */
export function resolveMasterKeys(fromEnvironment: string | undefined, dataDir: string): ResolvedMasterKeys {
  if (fromEnvironment) return { keys: parseOrThrow(fromEnvironment, 'HUB_MASTER_KEYS'), source: 'environment' };
  const path = join(dataDir, MASTER_KEY_FILE);
  if (existsSync(path)) return { keys: parseOrThrow(readFileSync(path, 'utf8').trim(), path), source: 'file' };
  mkdirSync(dataDir, { recursive: true });
  const entry = generateMasterKeyEntry();
  // 'wx' fails if another process created the file in the meantime; then use theirs.
  try {
    writeFileSync(path, entry + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { keys: parseOrThrow(readFileSync(path, 'utf8').trim(), path), source: 'file' };
  }
  return { keys: parseOrThrow(entry, path), generatedAt: path, source: 'file' };
}

function parseOrThrow(text: string, where: string): MasterKeySet {
  const parsed = parseMasterKeys(text);
  if (!parsed.ok) throw new Error(`invalid master keys in ${where}: ${parsed.error}`);
  return parsed.keys;
}
