import { describe, expect, it } from 'vitest';
import { activeDescendantCounts, type TokenLink } from './api-token-line.ts';

// The admin UI's token list says, for each token, how many tokens made from it still work.

const now = new Date('2030-01-01T00:00:00Z');
const token = (id: string, maker: string | null, state: 'active' | 'revoked' | 'expired' = 'active'): TokenLink => ({
  id,
  created_by_token_id: maker,
  revoked_at: state === 'revoked' ? new Date('2029-01-01T00:00:00Z') : null,
  expires_at: state === 'expired' ? new Date('2029-06-01T00:00:00Z') : null,
});

describe('activeDescendantCounts', () => {
  it('counts working tokens at any depth, through revoked ones, and not the tokens beside the line', () => {
    const counts = activeDescendantCounts(
      [token('a', null), token('b', 'a'), token('c', 'b'), token('b2', 'a', 'revoked'), token('c2', 'b2'), token('c3', 'b2', 'expired'), token('s', null)],
      now,
    );
    expect(Object.fromEntries(counts)).toEqual({ a: 3, b: 1, c: 0, b2: 1, c2: 0, c3: 0, s: 0 });
  });

  it('ends on a line edited into a loop', () => {
    const counts = activeDescendantCounts([token('x', 'y'), token('y', 'x')], now);
    expect([...counts.keys()].sort()).toEqual(['x', 'y']);
  });
});
