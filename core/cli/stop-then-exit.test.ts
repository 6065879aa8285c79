import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { stopThenExit } from './stop-then-exit.ts';

const logger = createLogger({ level: 'silent' });

afterEach(() => {
  vi.useRealTimers();
});

describe('stopThenExit', () => {
  it('exits 0 once the stop has finished', async () => {
    const exits: number[] = [];
    stopThenExit(async () => undefined, 10_000, logger, (code) => exits.push(code));
    await vi.waitFor(() => expect(exits).toEqual([0]));
  });

  it('waits for a stop under the largest shutdown timeout the configuration takes (a timer past 2^31-1 ms fires at once)', async () => {
    const exits: number[] = [];
    stopThenExit(() => new Promise<void>((resolve) => setTimeout(resolve, 300)), 2_147_483_647, logger, (code) => exits.push(code));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(exits).toEqual([0]);
  });

  it('exits 1 when the stop fails', async () => {
    const exits: number[] = [];
    stopThenExit(async () => Promise.reject(new Error('queue would not close')), 10_000, logger, (code) => exits.push(code));
    await vi.waitFor(() => expect(exits).toEqual([1]));
  });

  it('exits 1 when the stop is still going a few seconds past the shutdown timeout, and not before', () => {
    vi.useFakeTimers();
    const exits: number[] = [];
    stopThenExit(() => new Promise<void>(() => undefined), 10_000, logger, (code) => exits.push(code));
    vi.advanceTimersByTime(10_000);
    expect(exits).toEqual([]);
    vi.advanceTimersByTime(5_000);
    expect(exits).toEqual([1]);
  });
});
