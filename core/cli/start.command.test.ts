import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.load.ts';
import { CliError } from './cli-error.ts';
import { assertPortsFree, startError } from './start.command.ts';

let taken: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (taken ? taken.close(() => resolve()) : resolve())));

async function takePort(): Promise<number> {
  taken = createServer();
  await new Promise<void>((resolve) => taken!.listen(0, '127.0.0.1', () => resolve()));
  return (taken.address() as { port: number }).port;
}

const workerEnv = { HUB_ROLE: 'worker', DATABASE_URL: 'postgres://db/hub', REDIS_URL: 'redis://cache:6379', HOST: '127.0.0.1' };

describe('hub start: a port that cannot be had', () => {
  it('names HUB_PROBE_PORT and its port when a worker cannot serve its probes, not PORT', async () => {
    const port = await takePort();
    const config = loadConfig({ ...workerEnv, HUB_PROBE_PORT: String(port) });
    const error = await assertPortsFree(config).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(`port ${port} is in use; stop what uses it, or set HUB_PROBE_PORT to another`);
  });

  it('maps a probe listen failure during start to HUB_PROBE_PORT too', () => {
    const config = loadConfig({ ...workerEnv, HUB_PROBE_PORT: '9090' });
    const failure = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', syscall: 'listen' });
    expect(startError(failure, config)?.message).toBe('port 9090 is in use; stop what uses it, or set HUB_PROBE_PORT to another');
  });

  it('leaves a file it may not write (EACCES of mkdir in a data directory another user owns) alone, not calling it a port', () => {
    const config = loadConfig({ PORT: '8080', HOST: '127.0.0.1' });
    const failure = Object.assign(new Error("EACCES: permission denied, mkdir '/app/data/pglite'"), { code: 'EACCES', syscall: 'mkdir' });
    expect(startError(failure, config)).toBeUndefined();
    const listen = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), { code: 'EACCES', syscall: 'listen' });
    expect(startError(listen, config)?.message).toBe('no permission to listen on port 8080; set PORT to one above 1023');
  });

  it('still names PORT for the API', async () => {
    const port = await takePort();
    const error = await assertPortsFree(loadConfig({ PORT: String(port), HOST: '127.0.0.1' })).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).toBe(`port ${port} is in use; stop what uses it, or set PORT to another`);
  });
});
