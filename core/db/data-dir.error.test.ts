import { describe, expect, it } from 'vitest';
import { dataDirectoryError, dataDirectoryErrorAt, DataDirectoryUnusableError } from './data-dir.error.ts';

function fsError(code: string, syscall: string, path: string, description: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${description}, ${syscall} '${path}'`), { code, syscall, path });
}

describe('a data directory the file system refuses', () => {
  it('is one line naming HUB_DATA_DIR and what the file system said', () => {
    const error = dataDirectoryError(fsError('EROFS', 'open', '/app/data/hub.lock', 'read-only file system'), '/app/data');
    expect(error).toBeInstanceOf(DataDirectoryUnusableError);
    expect((error as Error).message).toBe("HUB_DATA_DIR /app/data is not writable (EROFS: read-only file system, open '/app/data/hub.lock')");
    // No errno code of its own: start's listen errors read `code` (EACCES is "no permission to listen").
    expect((error as NodeJS.ErrnoException).code).toBeUndefined();
    expect((dataDirectoryError(fsError('ENOSPC', 'write', '/d/x', 'no space left on device'), '/d') as Error).message).toMatch(/^HUB_DATA_DIR \/d is full \(ENOSPC/);
  });

  it('leaves other errors alone', () => {
    const other = new Error('something else');
    expect(dataDirectoryError(other, '/d')).toBe(other);
    const exists = fsError('EEXIST', 'open', '/d/x.tmp', 'file already exists');
    expect(dataDirectoryError(exists, '/d')).toBe(exists);
  });

  it('names HUB_DATA_DIR for a raw error only when its path is in the data directory', () => {
    expect(dataDirectoryErrorAt(fsError('ENOTDIR', 'mkdir', './data/pglite', 'not a directory'), 'data')).toBeInstanceOf(DataDirectoryUnusableError);
    expect(dataDirectoryErrorAt(fsError('EACCES', 'open', '/etc/other', 'permission denied'), '/app/data')).toBeUndefined();
    expect(dataDirectoryErrorAt(fsError('EACCES', 'open', '/app/data-old/x', 'permission denied'), '/app/data')).toBeUndefined();
    expect(dataDirectoryErrorAt(new Error('no path'), '/app/data')).toBeUndefined();
  });
});
