import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDirectoryError } from '../db/data-dir.error.ts';
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
export function resolveMasterKeys(fromEnvironment: string | undefined, dataDir: string, encryptVersion?: number): ResolvedMasterKeys {
  const resolved = readOrCreateMasterKeys(fromEnvironment, dataDir);
  return { ...resolved, keys: encryptingWith(resolved.keys, encryptVersion) };
}

function readOrCreateMasterKeys(fromEnvironment: string | undefined, dataDir: string): ResolvedMasterKeys {
  if (fromEnvironment) return { keys: parseOrThrow(fromEnvironment, 'HUB_MASTER_KEYS'), source: 'environment' };
  try {
    return readOrCreateFile(dataDir);
  } catch (error) {
    // A data directory that cannot be read or written (read-only, another user's, full) is one line.
    throw dataDirectoryError(error, dataDir);
  }
}

function readOrCreateFile(dataDir: string): ResolvedMasterKeys {
  const path = join(dataDir, MASTER_KEY_FILE);
  // A directory where the key file belongs (`docker run -v ./master.keys:…` with no such host file).
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new InvalidMasterKeysError(`the master key file ${path} is a directory, not a file: remove it (or mount the key file itself), or set HUB_MASTER_KEYS`);
  }
  if (existsSync(path)) return { keys: parseOrThrow(readFileSync(path, 'utf8').trim(), path), source: 'file' };
  // Owner-only when the hub makes it: it holds the key file and the embedded database.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const entry = generateMasterKeyEntry();
  if (!createWhole(path, entry + '\n')) return { keys: parseOrThrow(readFileSync(path, 'utf8').trim(), path), source: 'file' };
  return { keys: parseOrThrow(entry, path), generatedAt: path, source: 'file' };
}

/**
 * The key set with `version` (HUB_MASTER_KEY_ENCRYPT_VERSION) encrypting instead of the highest:
 * during a rolling deploy of a new key, every process must be able to read it before any writes
 * with it, so it is first deployed for decryption only.
 */
function encryptingWith(keys: MasterKeySet, version: number | undefined): MasterKeySet {
  if (version === undefined) return keys;
  const current = keys.byVersion.get(version);
  if (!current) {
    const listed = [...keys.byVersion.keys()].sort((a, b) => b - a).join(', ');
    throw new InvalidMasterKeysError(`HUB_MASTER_KEY_ENCRYPT_VERSION is ${version}, but the master keys list only version ${listed}`);
  }
  return { current, byVersion: keys.byVersion };
}

/**
 * Writes `text` to `path` only if no file is there, and never leaves it part-written: written and
 * synced under a name of its own first, then linked into place (which, like an exclusive create,
 * fails when another process got there first). False when one did; then use theirs. The temporary
 * name is random, not the pid: processes in separate containers all have pid 1.
 */
function createWhole(path: string, text: string): boolean {
  const temporary = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temporary, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
      // A file system without hard links: an exclusive create, as complete as one write makes it.
      return createExclusive(path, text);
    }
    syncDirectoryOf(path);
    return true;
  } finally {
    rmSync(temporary, { force: true });
  }
}

function createExclusive(path: string, text: string): boolean {
  try {
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The new directory entry survives a power cut too (where the file system allows syncing a directory). */
function syncDirectoryOf(path: string): void {
  try {
    const fd = openSync(join(path, '..'), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse to sync a directory; the file itself is synced already.
  }
}

/** The master keys cannot be read; the message says where and why, never a key. */
export class InvalidMasterKeysError extends Error {
  override name = 'InvalidMasterKeysError';
}

function parseOrThrow(text: string, where: string): MasterKeySet {
  const parsed = parseMasterKeys(text);
  if (parsed.ok) return parsed.keys;
  if (text === '' && where !== 'HUB_MASTER_KEYS') {
    throw new InvalidMasterKeysError(
      `the master key file ${where} is empty: it was cut off while being created. If the hub never started with it, nothing is sealed with it: delete it and start again. Otherwise restore it from your backup.`,
    );
  }
  throw new InvalidMasterKeysError(`invalid master keys in ${where}: ${parsed.error}`);
}
