import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Runs the real `hub` CLI as a child process, as a user would, and reads what it prints.

const cli = fileURLToPath(new URL('../core/cli/hub.ts', import.meta.url));

export interface HubProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the port from the "hub started" log line (0 for a worker, which serves no HTTP). */
  started: Promise<number>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export function spawnHub(args: string[], env: Record<string, string>): HubProcess {
  const child = spawn(process.execPath, [cli, ...args], {
    // Hubs started here often run NODE_ENV=production against fake upstreams on 127.0.0.1, which the
    // default HUB_UPSTREAM_ADDRESSES refuses in production.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', PORT: '0', HOST: '127.0.0.1', HUB_UPSTREAM_ADDRESSES: 'any', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const started = new Promise<number>((resolve, reject) => {
    const look = (): void => {
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'hub started') {
          child.stdout?.off('data', look);
          resolve(entry.port ?? 0);
          return;
        }
      }
    };
    child.stdout?.on('data', look);
    void exited.then((code) => reject(new Error(`hub exited with ${code} before starting:\n${err}\n${out}`)));
  });
  started.catch(() => undefined);

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    started,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a CLI command to completion. */
export async function runHubCommand(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnHub(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
