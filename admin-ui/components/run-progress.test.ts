import { describe, expect, it } from 'vitest';
import { progressText, QUEUED_WATCH_MS, runElapsedMs, shouldWatch } from './run-progress.ts';

const now = new Date('2030-01-01T12:00:00Z');
const at = (msAgo: number) => new Date(now.getTime() - msAgo);
const base = { queued_at: at(60_000), started_at: null, finished_at: null, latency_ms: null, pages: 0, records_seen: 0 };

describe('run progress', () => {
  it('counts a queued run from its queueing, a running one from its start, a finished one by its latency', () => {
    expect(runElapsedMs({ ...base, status: 'queued' }, now)).toBe(60_000);
    expect(runElapsedMs({ ...base, status: 'running', started_at: at(12_000) }, now)).toBe(12_000);
    expect(runElapsedMs({ ...base, status: 'succeeded', started_at: at(12_000), finished_at: at(2_000), latency_ms: 10_004 }, now)).toBe(10_004);
  });

  it('says where a run is in words', () => {
    expect(progressText({ ...base, status: 'queued', queued_at: at(3_000) }, now)).toBe('Queued for 3.0 s, waiting for a worker.');
    expect(progressText({ ...base, status: 'running', started_at: at(75_000), pages: 1, records_seen: 1 }, now)).toBe('Running for 1 min 15 s: 1 page and 1 record read so far.');
    expect(progressText({ ...base, status: 'running', started_at: at(4_000), pages: 3, records_seen: 250 }, now)).toBe('Running for 4.0 s: 3 pages and 250 records read so far.');
  });

  it('follows runs while one runs or has waited less than the watch, and stops once all finished', () => {
    expect(shouldWatch([{ ...base, status: 'succeeded' }, { ...base, status: 'running', started_at: at(1_000) }], now)).toBe(true);
    expect(shouldWatch([{ ...base, status: 'queued', queued_at: at(QUEUED_WATCH_MS - 1_000) }], now)).toBe(true);
    expect(shouldWatch([{ ...base, status: 'succeeded' }, { ...base, status: 'failed' }, { ...base, status: 'cancelled' }], now)).toBe(false);
    // A run of a paused integration can wait for days: its page stops reloading, so its session can go idle.
    expect(shouldWatch([{ ...base, status: 'queued', queued_at: at(QUEUED_WATCH_MS + 1_000) }], now)).toBe(false);
  });
});
