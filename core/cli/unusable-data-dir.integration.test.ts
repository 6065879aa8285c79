import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runHubCommand } from '../../test-support/hub-process.ts';

// A data directory the hub cannot use: a volume mounted read-only, a bind mount owned by another
// user (the image runs as `node`), a path through a file. README: the CLI prints expected failures
// as one line ("hub: …"), keeping stacks for the unexpected; this one names HUB_DATA_DIR.

const cli = fileURLToPath(new URL('./hub.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'hub-unusable-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function oneLine(stderr: string): string[] {
  return stderr.trim().split('\n');
}

describe('a HUB_DATA_DIR that is not a directory', { timeout: 60_000 }, () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');

  it('hub start stops with one line naming HUB_DATA_DIR', async () => {
    const dir = join(file, 'data');
    const result = await runHubCommand(['start'], { HUB_DATA_DIR: dir });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr), result.stderr).toEqual([`hub: HUB_DATA_DIR ${dir} is not a directory (ENOTDIR: not a directory, mkdir '${dir}')`]);
  });

  it('a CLI command stops with one line naming HUB_DATA_DIR', async () => {
    const result = await runHubCommand(['token', 'list', '--tenant', 'default'], { HUB_DATA_DIR: file });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr), result.stderr).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^hub: HUB_DATA_DIR ${file} is not a directory \\(ENOTDIR: `));
  });
});

describe('a master.keys in HUB_DATA_DIR that is a directory', { timeout: 60_000 }, () => {
  // What `docker run -v ./master.keys:/app/data/master.keys` leaves when the host has no such file.
  it('hub start stops with one line naming the file and what to do', async () => {
    const dir = join(root, 'keys-dir');
    mkdirSync(join(dir, 'master.keys'), { recursive: true });
    const result = await runHubCommand(['start'], { HUB_DATA_DIR: dir });
    expect(result.code).toBe(1);
    expect(oneLine(result.stderr), result.stderr).toEqual([expect.stringMatching(new RegExp(`^hub: .*${join(dir, 'master.keys')} is a directory, not a file: .*HUB_MASTER_KEYS`))]);
  });
});

/** Why a read-only bind mount (or another user) cannot be had here; undefined when it can. */
function rootMissing(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount --bind "${root}" "${root}" && mount -o remount,bind,ro "${root}"`], { stdio: 'ignore' });
  if (probe.error) return `no unshare (${probe.error.message})`;
  return probe.status === 0 ? undefined : 'unshare -m or mount is refused';
}
const missing = rootMissing();
const noSetpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status !== 0;

/** Runs the CLI with `dir` bind-mounted read-only onto itself, in a mount namespace of its own. */
function onReadOnlyMount(dir: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const script = `mount --bind "${dir}" "${dir}" && mount -o remount,bind,ro "${dir}" && exec "${process.execPath}" "${cli}" "$@"`;
  const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', HUB_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe.skipIf(missing !== undefined)(
  `a HUB_DATA_DIR the hub cannot write${missing ? ` — skipped: needs root, unshare and mount (${missing})` : ''}`,
  { timeout: 120_000 },
  () => {
    const dir = join(root, 'data');

    it('hub start on a read-only data directory stops with one line, not a stack trace', async () => {
      // Made by an earlier start: the master key and the database are there.
      const made = await runHubCommand(['migrate'], { HUB_DATA_DIR: dir });
      expect(made.code, made.stderr).toBe(0);
      const result = await onReadOnlyMount(dir, ['start']);
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr), result.stderr).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^hub: HUB_DATA_DIR ${dir} is not writable \\(EROFS: read-only file system, `));
    });

    it('a CLI command on a read-only data directory says so in one line', async () => {
      const result = await onReadOnlyMount(dir, ['token', 'list', '--tenant', 'default']);
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr), result.stderr).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^hub: HUB_DATA_DIR ${dir} is not writable \\(EROFS: `));
    });

    it.skipIf(noSetpriv)('hub start on a data directory owned by another user says so in one line (skipped without setpriv)', async () => {
      const other = join(root, 'not-yours');
      mkdirSync(other, { mode: 0o755 });
      chmodSync(root, 0o755);
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'start'], {
          env: { PATH: process.env['PATH'] ?? '', HOME: '/tmp', HUB_DATA_DIR: other, PORT: '0', HOST: '127.0.0.1' },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('error', (error) => resolve({ code: null, stderr: error.message }));
        child.once('exit', (code) => resolve({ code, stderr }));
      });
      expect(result.code, result.stderr).toBe(1);
      expect(oneLine(result.stderr), result.stderr).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^hub: HUB_DATA_DIR ${other} is not readable and writable by this process's user, uid 65534 \\(EACCES: `));
    });
  },
);
