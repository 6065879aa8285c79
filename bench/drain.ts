import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { BenchHub } from './bench-hub.ts';

export interface DrainResult {
  /** Events still pending when the wait began. */
  pendingAtStart: number;
  /** Events still pending when it ended (0 unless the wait timed out). */
  pendingAtEnd: number;
  seconds: number;
  /** How fast the hub's workers routed the backlog; undefined when there was none. */
  eventsPerSecond: number | undefined;
}

/**
 * Waits until the hub's workers have routed every pending event. Each accepted webhook or polled
 * record leaves an event for the in-process workers; measuring the next phase while they still
 * chew on the last one's backlog would charge that work to the wrong figure.
 */
export async function drainEvents(bench: BenchHub, timeoutSeconds: number): Promise<DrainResult> {
  const pending = async () => {
    const row = await sql<{ n: number }>`select count(*)::int as n from integration_events where status = 'pending'`.execute(bench.running.hub.db);
    return row.rows[0]?.n ?? 0;
  };
  const started = performance.now();
  const pendingAtStart = await pending();
  let left = pendingAtStart;
  while (left > 0 && performance.now() - started < timeoutSeconds * 1000) {
    await sleep(200);
    left = await pending();
  }
  const seconds = (performance.now() - started) / 1000;
  const done = pendingAtStart - left;
  return { pendingAtStart, pendingAtEnd: left, seconds, eventsPerSecond: done > 0 && seconds > 0 ? done / seconds : undefined };
}
