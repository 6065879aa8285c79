import { describe, expect, it } from 'vitest';
import { storableText, truncateText } from './storable-text.ts';

describe('storable text', () => {
  it('cuts before an emoji rather than between its halves', () => {
    expect(truncateText('ab😀', 3)).toBe('ab');
    expect(truncateText('ab😀', 4)).toBe('ab😀');
    expect(truncateText('a😀b', 3)).toBe('a😀');
    expect(truncateText('short', 500)).toBe('short');
    // Whatever the cut, the result serialises to JSON without a lone surrogate escape.
    for (let max = 1; max <= 20; max += 1) expect(JSON.stringify(truncateText('😀'.repeat(10), max))).not.toMatch(/\\ud[89a-f]/i);
  });

  it('replaces lone surrogates that came in the text itself', () => {
    expect(storableText('bad \ud83d end', 100)).toBe('bad \ufffd end');
    expect(storableText('x\udc00', 100)).toBe('x\ufffd');
  });
});
