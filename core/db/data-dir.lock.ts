import { accessSync, closeSync, constants, openSync, readFileSync, realpathSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataDirectoryError } from './data-dir.error.ts';

// PGlite is one process's database: a second process opening the same directory works on its own
// copy in memory (its writes are lost) and can corrupt the files. So whoever opens an embedded
// data directory holds a lock on it for as long as the database is open.
//
// The lock is the kernel's, not a pid: an fcntl lock on `hub.lock.sqlite`, taken through SQLite
// (built into Node) as an exclusive transaction that is never committed. The kernel releases it
// the moment its holder ends, however it ends, and it holds across PID namespaces: a CLI command
// run in a second container on the same volume is refused, where a pid says nothing (both may be
// pid 1, or the holder's pid may be no process at all in the other's namespace, or an unrelated
// one after a reboot). `hub.lock` only tells the operator who holds it: the holder's pid.

const LOCK_FILE = 'hub.lock';
/** Never deleted: a process waiting on a deleted file's lock would hold it beside one on a new file. */
const KERNEL_LOCK_FILE = 'hub.lock.sqlite';

const SQLITE_BUSY = 5;
const SQLITE_NOTADB = 26;

/** Another process (or another open database in this one) is using the data directory. */
export class DataDirectoryLockedError extends Error {
  override name = 'DataDirectoryLockedError';
  constructor(directory: string, pid: number | undefined, elsewhere = false) {
    const who = pid ? ` (pid ${pid}${elsewhere ? ', in another container or PID namespace' : ''})` : elsewhere ? ' (in another container or PID namespace)' : '';
    super(`another hub process${who} is using ${directory}; stop it first, or use the API or admin UI`);
  }
}

/** Lock files this process holds, so a second open in the same process is refused too. */
const held = new Set<string>();

/**
 * `node:sqlite`, without the ExperimentalWarning that Node 24 before 24.15 prints on loading it
 * (the hub's output is for its logs): only that one warning is dropped, and only while loading.
 */
function loadSqlite(): typeof import('node:sqlite') {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && text.startsWith('SQLite ')) return;
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return process.getBuiltinModule('node:sqlite');
  } finally {
    process.emitWarning = emitWarning;
  }
}

function ownerOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // Not written yet, or unreadable: the holder is simply not named.
    return undefined;
  }
}

/** Whether `pid` names a process in this PID namespace (EPERM: one that belongs to someone else). */
function isVisible(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sqliteCode(error: unknown): number | undefined {
  const errcode = (error as { errcode?: unknown } | undefined)?.errcode;
  return typeof errcode === 'number' ? errcode & 0xff : undefined;
}

/** The kernel's lock on `path`, or undefined when another process holds it. */
function tryKernelLock(path: string): DatabaseSync | undefined {
  // Whether it can be written is asked of the file system first: its errors say why a data
  // directory cannot be used, where SQLite opens a file it cannot write read-only (and locks
  // nothing), and says only "unable to open database file" when it cannot make one. No descriptor
  // of the file is opened here while this process might hold its lock: closing one drops it.
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    accessSync(dirname(path), constants.W_OK);
  }
  const { DatabaseSync } = loadSqlite();
  for (let attempt = 0; ; attempt++) {
    let database: DatabaseSync;
    try {
      database = new DatabaseSync(path, { timeout: 0 });
    } catch (error) {
      // Not made (a full disk, say): the file system's own error says why. No lock of ours to drop.
      closeSync(openSync(path, 'a', 0o644));
      throw error;
    }
    try {
      // No journal file beside it (nothing is ever written); the lock stays until closed.
      database.exec('PRAGMA journal_mode=MEMORY; PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE;');
      return database;
    } catch (error) {
      database.close();
      const code = sqliteCode(error);
      if (code === SQLITE_BUSY) return undefined;
      // Something else was written into the file: no SQLite can lock it as it is, so nobody holds it.
      if (code === SQLITE_NOTADB && attempt === 0) {
        truncateSync(path, 0);
        continue;
      }
      throw error;
    }
  }
}

/** One key however the directory is named (a relative path, a symlink), for this process's own second open. */
function sameDirectoryKey(directory: string): string {
  try {
    return realpathSync(directory);
  } catch {
    return resolve(directory);
  }
}

/**
 * Takes the exclusive lock on `directory`; returns the function that releases it. A lock left by a
 * process that no longer runs (killed, crashed) is no lock: the kernel let go of it when it ended.
 */
export async function lockDataDirectory(directory: string): Promise<() => void> {
  const path = join(directory, LOCK_FILE);
  const key = sameDirectoryKey(directory);
  if (held.has(key)) throw new DataDirectoryLockedError(directory, process.pid);
  let database: DatabaseSync | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      database = tryKernelLock(join(directory, KERNEL_LOCK_FILE));
      if (database) break;
      if (held.has(key)) throw new DataDirectoryLockedError(directory, process.pid);
      const owner = ownerOf(path);
      // No pid yet: a holder that has just taken the lock and is writing it, or one letting go. Look again.
      if (owner === undefined && attempt < 2) {
        await sleep(100);
        continue;
      }
      // Its pid in this namespace is ours, or no process: the holder is in another PID namespace
      // (another container on the same volume), where its pid means nothing here.
      const elsewhere = owner !== undefined && (owner === process.pid || !isVisible(owner));
      throw new DataDirectoryLockedError(directory, owner, elsewhere);
    }
    writeFileSync(path, `${process.pid}\n`, { mode: 0o644 });
  } catch (error) {
    database?.close();
    throw dataDirectoryError(error, directory);
  }
  const lock = database;
  held.add(key);
  const release = (): void => {
    try {
      // While the lock is still held: a next holder's pid must not be deleted.
      unlinkSync(path);
    } catch {
      // Already gone, or the directory was removed: nothing left to tell.
    }
    try {
      lock.close();
    } catch {
      // Closed already; the kernel lets go when the process ends anyway.
    }
  };
  // A process that exits without closing (process.exit after a failed start) still releases it.
  process.on('exit', release);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    held.delete(key);
    release();
  };
}
