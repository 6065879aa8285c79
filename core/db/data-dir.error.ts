import { resolve, sep } from 'node:path';

// The embedded mode keeps its database, master key and lock in HUB_DATA_DIR. When the file system
// refuses (a volume mounted read-only, a directory owned by another user, a path through a file,
// a full disk), the operator needs one line naming the variable and the problem, not a stack trace.

const PROBLEMS: Record<string, string> = {
  EROFS: 'is not writable',
  ENOTDIR: 'is not a directory',
  EEXIST: 'is not a directory',
  ENOSPC: 'is full',
  EDQUOT: 'is full (disk quota exceeded)',
};
const DENIED = new Set(['EACCES', 'EPERM']);

/** HUB_DATA_DIR cannot be used; the message names it and what the file system said. */
export class DataDirectoryUnusableError extends Error {
  override name = 'DataDirectoryUnusableError';
  // No `code` of its own: callers that read an errno code (start's "no permission to listen on
  // port…" for EACCES) must not take this for theirs.
  constructor(directory: string, code: string, cause: Error) {
    super(`HUB_DATA_DIR ${directory} ${problemOf(code)} (${cause.message})`, { cause });
  }
}

function problemOf(code: string): string {
  if (DENIED.has(code)) {
    const uid = process.getuid?.();
    return `is not readable and writable by this process's user${uid === undefined ? '' : `, uid ${uid}`}`;
  }
  return PROBLEMS[code] ?? 'cannot be used';
}

function errnoCode(error: unknown): string | undefined {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  // EEXIST only as mkdir's answer for a path that is a file.
  if (code === 'EEXIST' && syscall !== 'mkdir') return undefined;
  return typeof code === 'string' && (Object.hasOwn(PROBLEMS, code) || DENIED.has(code)) ? code : undefined;
}

/** `error` as the one-line DataDirectoryUnusableError when it is the file system refusing `directory`; otherwise itself. */
export function dataDirectoryError(error: unknown, directory: string): unknown {
  if (error instanceof DataDirectoryUnusableError) return error;
  const code = errnoCode(error);
  return code ? new DataDirectoryUnusableError(directory, code, error as Error) : error;
}

/**
 * A raw file-system error about a path in `directory` (one not raised through the data directory's
 * own helpers) as DataDirectoryUnusableError; undefined for anything else.
 */
export function dataDirectoryErrorAt(error: unknown, directory: string): DataDirectoryUnusableError | undefined {
  if (error instanceof DataDirectoryUnusableError) return error;
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (typeof path !== 'string' || !errnoCode(error)) return undefined;
  const root = resolve(directory);
  const target = resolve(path);
  if (target !== root && !target.startsWith(root + sep)) return undefined;
  return dataDirectoryError(error, directory) as DataDirectoryUnusableError;
}
