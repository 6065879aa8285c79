import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processCpuSeconds } from './proc-cpu.ts';

describe.runIf(process.platform === 'linux')('process CPU from /proc', () => {
  it('keeps the CPU of a child that has exited, so a sum over processes never falls', () => {
    const before = processCpuSeconds(process.pid)!;
    const ownBefore = process.cpuUsage();
    // A child that burns 300 ms of CPU (not of wall time: on a loaded machine 300 ms of wall time
    // may hold much less CPU) and exits; spawnSync reaps it before returning.
    spawnSync(process.execPath, ['-e', 'const start = process.cpuUsage(); const used = () => { const u = process.cpuUsage(start); return u.user + u.system; }; while (used() < 300_000);']);
    const own = process.cpuUsage(ownBefore);
    const after = processCpuSeconds(process.pid)!;
    const childSeconds = after - before - (own.user + own.system) / 1e6;
    expect(childSeconds).toBeGreaterThan(0.2);
  });
});
