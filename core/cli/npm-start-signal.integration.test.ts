import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../../test-support/wait-for.ts';

// A process manager that runs `npm start` stops the hub by signalling npm. npm passes the signal
// to its script's process; were that a shell running node, the shell would die and leave the hub
// running, orphaned, with the data directory locked. The script execs node, so the hub itself gets
// the signal and shuts down gracefully.

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'hub-npm-start-'));
let hubPid: number | undefined;

afterAll(() => {
  if (hubPid !== undefined && alive(hubPid)) process.kill(hubPid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

it('stops the hub gracefully when npm start is sent SIGTERM', async () => {
  const npm = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', HUB_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  npm.stderr.on('data', () => undefined);
  const npmExited = new Promise((resolve) => npm.once('exit', resolve));

  await waitFor('the hub to start under npm', async () => out.includes('"msg":"hub started"'), 110_000);
  // The hub is npm's child, or its grandchild behind a shell.
  const [child] = childrenOf(npm.pid!);
  expect(child).toBeDefined();
  hubPid = childrenOf(child!)[0] ?? child!;

  npm.kill('SIGTERM');
  await npmExited;
  await waitFor('the hub process to end', async () => !alive(hubPid!), 30_000);
  expect(out).toContain('"msg":"hub stopped"');
});
