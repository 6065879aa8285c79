import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processCpuSeconds } from './proc-cpu.ts';

describe.runIf(process.platform === 'linux')('process CPU from /proc', () => {
  it('keeps the CPU of a child that has exited, so a sum over processes never falls', () => {
    const before = processCpuSeconds(process.pid)!;
    const ownBefore = process.cpuUsage();
    // A child that burns about 300 ms of CPU and exits; spawnSync reaps it before returning.
    spawnSync(process.execPath, ['-e', 'const end = Date.now() + 300; while (Date.now() < end);']);
    const own = process.cpuUsage(ownBefore);
    const after = processCpuSeconds(process.pid)!;
    const childSeconds = after - before - (own.user + own.system) / 1e6;
    expect(childSeconds).toBeGreaterThan(0.2);
  });
});
