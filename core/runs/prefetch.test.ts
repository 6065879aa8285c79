import { describe, expect, it } from 'vitest';
import { prefetched } from './prefetch.ts';

function source(count: number, log: string[], failAt?: number) {
  return {
    closed: false,
    async *[Symbol.asyncIterator]() {
      try {
        for (let index = 0; index < count; index++) {
          log.push(`fetch ${index}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (index === failAt) throw new Error(`page ${index} failed`);
          yield index;
        }
      } finally {
        this.closed = true;
      }
    },
  };
}

describe('prefetched', () => {
  it('yields every item in order and fetches the next one while the consumer works', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const item of prefetched(source(3, log))) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      log.push(`done ${item}`);
      seen.push(item);
    }
    expect(seen).toEqual([0, 1, 2]);
    // "fetch 1" happens before "done 0": the fetch overlapped the work.
    expect(log).toEqual(['fetch 0', 'fetch 1', 'done 0', 'fetch 2', 'done 1', 'done 2']);
  });

  it('passes a failed fetch to the consumer at the item where it failed', async () => {
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of prefetched(source(5, [], 2))) seen.push(item);
      })(),
    ).rejects.toThrow('page 2 failed');
    expect(seen).toEqual([0, 1]);
  });

  it('closes the source when the consumer stops early', async () => {
    const upstream = source(5, []);
    for await (const item of prefetched(upstream)) if (item === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(upstream.closed).toBe(true);
  });
});
