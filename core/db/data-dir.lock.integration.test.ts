import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DataDirectoryLockedError, lockDataDirectory } from './data-dir.lock.ts';

// The embedded data directory's lock is the kernel's (an fcntl lock), not a judgement on the pid
// in hub.lock: a pid says nothing across PID namespaces (the Docker image's hub is pid 1 of its
// container, and so is `docker run --rm -v hub-data:/app/data grc-hub token create …` beside it),
// nor after a reboot, when the pid of a lock left behind may belong to any process.

const cli = fileURLToPath(new URL('../cli/hub.ts', import.meta.url));
const lockModule = new URL('./data-dir.lock.ts', import.meta.url).href;

const directories: string[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
});
afterAll(() => {
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-lock-'));
  directories.push(dir);
  return dir;
}

/** A process holding `dir` the way the hub does, until killed; `prefix` runs it inside e.g. unshare. */
async function holder(dir: string, prefix: string[] = []): Promise<ChildProcess> {
  const script = `import { lockDataDirectory } from ${JSON.stringify(lockModule)};
await lockDataDirectory(${JSON.stringify(dir)});
process.stdout.write('locked\\n');
setInterval(() => {}, 60_000);`;
  const command = [...prefix, process.execPath, '--input-type=module', '-e', script];
  const child = spawn(command[0] ?? '', command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('locked\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}: ${err}`)));
  });
  return child;
}

function runCli(prefix: string[], args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = [...prefix, process.execPath, cli, ...args];
  const child = spawn(command[0] ?? '', command.slice(1), {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** kill -9 of the holder (inside unshare: of the process unshare runs, which unshare then waits for). */
async function killed(child: ChildProcess): Promise<void> {
  const inside = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  for (const pid of inside) process.kill(Number(pid), 'SIGKILL');
  if (inside.length === 0) child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
}

describe('the data directory lock', { timeout: 60_000 }, () => {
  it('refuses while a live process holds it, naming its pid, and is free the moment that process is killed', async () => {
    const dir = dataDir();
    const held = await holder(dir);
    expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toBe(`${held.pid}\n`);
    await expect(lockDataDirectory(dir)).rejects.toThrow(
      new DataDirectoryLockedError(dir, held.pid).message,
    );
    expect(new DataDirectoryLockedError(dir, 1234).message).toBe(`another hub process (pid 1234) is using ${dir}; stop it first, or use the API or admin UI`);

    await killed(held);
    // kill -9 leaves hub.lock behind; the kernel's lock went with the process.
    expect(existsSync(join(dir, 'hub.lock'))).toBe(true);
    const release = await lockDataDirectory(dir);
    expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toBe(`${process.pid}\n`);
    release();
    expect(existsSync(join(dir, 'hub.lock'))).toBe(false);
  });

  it('refuses a second open in the same process', async () => {
    const dir = dataDir();
    const release = await lockDataDirectory(dir);
    try {
      await expect(lockDataDirectory(dir)).rejects.toBeInstanceOf(DataDirectoryLockedError);
      await expect(lockDataDirectory(join(dir, '.'))).rejects.toBeInstanceOf(DataDirectoryLockedError);
      // Through a symlink too, as this process's own (not "another container or PID namespace").
      const link = `${dir}-link`;
      symlinkSync(dir, link);
      directories.push(link);
      const refused = await lockDataDirectory(link).then(() => undefined, (error: unknown) => error);
      expect((refused as Error).message).toBe(new DataDirectoryLockedError(link, process.pid).message);
    } finally {
      release();
    }
    // Refusing did not let go of it: released, it can be taken again.
    const again = await lockDataDirectory(dir);
    again();
  });

  it('takes over a lock left before a reboot whose pid now belongs to an unrelated live process', async () => {
    const dir = dataDir();
    const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(unrelated);
    writeFileSync(join(dir, 'hub.lock'), `${unrelated.pid}\n`);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, 'hub.lock'), anHourAgo, anHourAgo);

    const release = await lockDataDirectory(dir);
    expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toBe(`${process.pid}\n`);
    release();
  });
});

/** Why processes cannot be put in PID namespaces of their own here; undefined when they can. */
function namespacesMissing(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
  if (probe.error) return `no unshare (${probe.error.message})`;
  return probe.status === 0 ? undefined : 'unshare --pid is refused';
}
const missing = namespacesMissing();
const OWN_PID_NAMESPACE = ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc'];

describe.skipIf(missing !== undefined)(
  `the data directory lock across PID namespaces (containers on one volume)${missing ? ` — skipped: needs root and unshare (${missing})` : ''}`,
  { timeout: 60_000 },
  () => {
    it('refuses a CLI command run as pid 1 of one container while the hub is pid 1 of another', async () => {
      const dir = dataDir();
      await holder(dir, OWN_PID_NAMESPACE);
      expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toBe('1\n');

      const refused = await runCli(OWN_PID_NAMESPACE, ['token', 'list', '--tenant', 'default'], { HUB_DATA_DIR: dir });
      expect(refused).toEqual({
        code: 1,
        stdout: '',
        stderr: `hub: another hub process (pid 1, in another container or PID namespace) is using ${dir}; stop it first, or use the API or admin UI\n`,
      });
      // The holder's lock was neither taken nor deleted.
      expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toBe('1\n');
      await expect(lockDataDirectory(dir)).rejects.toBeInstanceOf(DataDirectoryLockedError);
    });

    it('refuses a CLI command in a container while the hub runs outside it, and leaves the hub its lock', async () => {
      const dir = dataDir();
      const hub = await holder(dir);
      const refused = await runCli(OWN_PID_NAMESPACE, ['token', 'list', '--tenant', 'default'], { HUB_DATA_DIR: dir });
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toBe(
        `hub: another hub process (pid ${hub.pid}, in another container or PID namespace) is using ${dir}; stop it first, or use the API or admin UI\n`,
      );
      expect(readFileSync(join(dir, 'hub.lock'), 'utf8')).toBe(`${hub.pid}\n`);
      await expect(lockDataDirectory(dir)).rejects.toThrow(`another hub process (pid ${hub.pid}) is using`);
    });

    it('is free the moment a holder in another namespace is killed', async () => {
      const dir = dataDir();
      const contained = await holder(dir, OWN_PID_NAMESPACE);
      await killed(contained);
      const release = await lockDataDirectory(dir);
      release();
    });
  },
);
