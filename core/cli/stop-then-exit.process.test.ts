import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// In a real process, where fake timers cannot hide it: a stop waiting on a bare promise (a query
// queued behind embedded PGlite's one connection) holds no handle open, so only the deadline's own
// timer keeps the process alive until it exits 1 with the warning, rather than 0 as if stopped.
describe('stopThenExit in a real process', () => {
  it('exits 1 with the warning when the stop never finishes and nothing else keeps the process alive', () => {
    const module = fileURLToPath(new URL('./stop-then-exit.ts', import.meta.url));
    const logger = fileURLToPath(new URL('../logging/logger.ts', import.meta.url));
    const script = `
      const { stopThenExit } = await import(${JSON.stringify(module)});
      const { createLogger } = await import(${JSON.stringify(logger)});
      stopThenExit(() => new Promise(() => {}), 100, createLogger({ level: 'info' }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.status).toBe(1);
    expect(child.stdout + child.stderr).toContain('the shutdown did not finish within its time');
  }, 30_000);
});
