import { describe, expect, it } from 'vitest';
import { effectiveBreaker, type SharedBreaker } from './breaker-state.ts';

const now = new Date('2030-01-01T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const shared = (state: SharedBreaker['state'], changedMinutesAgo: number, reopensAt: Date | null = null): SharedBreaker => ({
  integration_id: 'i',
  state,
  changed_at: minutesAgo(changedMinutesAgo),
  reopens_at: reopensAt,
  cause: null,
});

const own = (state: SharedBreaker['state'], changedMinutesAgo?: number) => ({ state, changedAt: changedMinutesAgo === undefined ? undefined : minutesAgo(changedMinutesAgo) });

describe('effectiveBreaker', () => {
  it("shows another process's open breaker in a process whose own breaker never saw a call", () => {
    expect(effectiveBreaker(own('closed'), shared('open', 0, new Date(now.getTime() + 30_000)), null, now)).toBe('open');
  });

  it('counts a shared open breaker past its reset time as half-open: the process that opened it may be gone', () => {
    expect(effectiveBreaker(own('closed'), shared('open', 5, minutesAgo(4)), null, now)).toBe('half_open');
  });

  it('lets a success finished after the change prove the upstream answers', () => {
    expect(effectiveBreaker(own('closed'), shared('open', 5, new Date(now.getTime() + 30_000)), minutesAgo(1), now)).toBe('closed');
    expect(effectiveBreaker(own('closed'), shared('half_open', 5), minutesAgo(10), now)).toBe('half_open');
  });

  it("keeps this process's own state when it is the worse one", () => {
    expect(effectiveBreaker(own('open'), shared('closed', 1), null, now)).toBe('open');
    expect(effectiveBreaker(own('half_open'), undefined, minutesAgo(1), now)).toBe('half_open');
    expect(effectiveBreaker(own('closed'), undefined, null, now)).toBe('closed');
  });

  it("lets a success finished after this process's own change prove the upstream answers, as another worker's success does", () => {
    // Half-open here since 5 minutes, untried since; another worker succeeded a minute ago.
    expect(effectiveBreaker(own('half_open', 5), undefined, minutesAgo(1), now)).toBe('closed');
    expect(effectiveBreaker(own('half_open', 1), undefined, minutesAgo(5), now)).toBe('half_open');
  });
});
