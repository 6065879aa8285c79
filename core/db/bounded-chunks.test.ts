import { describe, expect, it } from 'vitest';
import { boundedChunks } from './bounded-chunks.ts';

const bySelf = (item: { count: number; chars: number }) => item;
const item = (count: number, chars: number) => ({ count, chars });

describe('boundedChunks', () => {
  it('keeps every chunk within both limits, in order', () => {
    const items = [item(2, 1), item(2, 1), item(1, 1), item(1, 8), item(3, 0)];
    expect(boundedChunks(items, bySelf, { count: 4, chars: 9 })).toEqual([[items[0], items[1]], [items[2], items[3]], [items[4]]]);
  });

  it('fills a chunk exactly to a limit', () => {
    const items = [item(1, 5), item(1, 5), item(1, 0)];
    expect(boundedChunks(items, bySelf, { count: 10, chars: 10 })).toEqual([[items[0], items[1], items[2]]]);
  });

  it('gives an item larger than a limit a chunk of its own', () => {
    const items = [item(1, 1), item(50, 1), item(1, 100), item(1, 1)];
    expect(boundedChunks(items, bySelf, { count: 10, chars: 10 })).toEqual([[items[0]], [items[1]], [items[2]], [items[3]]]);
  });

  it('makes no chunk of nothing', () => {
    expect(boundedChunks([], bySelf, { count: 1, chars: 1 })).toEqual([]);
  });
});
