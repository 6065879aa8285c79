import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

// A redis-server of the test's own on a free port, so a test can stop and restart it without
// disturbing the shared Redis that other test files use.

export interface PrivateRedis {
  /** For a proxy in front of it (test-support/tcp-proxy.ts). */
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops answering while keeping its connections open (SIGSTOP): a paused VM, a network dropping packets. */
  freeze(): void;
  thaw(): void;
}

/** `password`: the server asks for it (`--requirepass`); `url` does not carry it. */
export async function privateRedis(options: { password?: string } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const auth = options.password === undefined ? [] : ['--requirepass', options.password];
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...auth], { stdio: 'ignore' });
      for (let attempt = 0; attempt < 100; attempt++) {
        const ready = await new Promise<boolean>((resolve) => {
          const socket = createServer().listen(port, '127.0.0.1');
          socket.once('listening', () => socket.close(() => resolve(false)));
          socket.once('error', () => resolve(true));
        });
        if (ready) return;
        await sleep(50);
      }
      throw new Error('redis-server did not start');
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      running.kill('SIGCONT');
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await redis.start();
  return redis;
}
