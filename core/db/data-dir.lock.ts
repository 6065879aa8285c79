import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// PGlite is one process's database: a second process opening the same directory works on its own
// copy in memory (its writes are lost) and can corrupt the files. So whoever opens an embedded
// data directory holds `hub.lock` in it, holding its pid, for as long as the database is open.

const LOCK_FILE = 'hub.lock';

/** Another process (or another open database in this one) is using the data directory. */
export class DataDirectoryLockedError extends Error {
  override name = 'DataDirectoryLockedError';
  constructor(directory: string, pid: number | undefined) {
    super(`another hub process${pid ? ` (pid ${pid})` : ''} is using ${directory}; stop it first, or use the API or admin UI`);
  }
}

/** Lock files this process holds, so a second open in the same process is refused too. */
const held = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function removeIfOurs(path: string): void {
  try {
    if (ownerOf(path) === process.pid) unlinkSync(path);
  } catch {
    // Already gone, or the directory was removed: nothing left to release.
  }
}

/**
 * Takes the exclusive lock on `directory`; returns the function that releases it. A lock left
 * behind by a process that is no longer running (killed, crashed) is stale and taken over.
 */
export async function lockDataDirectory(directory: string): Promise<() => void> {
  const path = join(directory, LOCK_FILE);
  if (held.has(path)) throw new DataDirectoryLockedError(directory, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (held.has(path)) throw new DataDirectoryLockedError(directory, process.pid);
      const owner = ownerOf(path);
      // Our own pid in a lock this process does not hold: left by an earlier process that had
      // the same pid (a restarted container's pid 1, say).
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw new DataDirectoryLockedError(directory, owner);
      // An empty or unreadable pid may be a lock being written right now: look again before taking it.
      if (owner === undefined && attempt < 2) {
        await sleep(100);
        continue;
      }
      if (attempt >= 4) throw new DataDirectoryLockedError(directory, owner);
      try {
        unlinkSync(path);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
    }
  }
  held.add(path);
  // A process that exits without closing (process.exit after a failed start) still releases it.
  const onExit = (): void => removeIfOurs(path);
  process.on('exit', onExit);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    process.off('exit', onExit);
    held.delete(path);
    removeIfOurs(path);
  };
}
