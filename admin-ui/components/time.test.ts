import { describe, expect, it } from 'vitest';
import { duration } from './time.ts';

describe('duration', () => {
  it('shows each size in its largest two units', () => {
    expect(duration(null)).toBe('—');
    expect(duration(0)).toBe('0 ms');
    expect(duration(250.4)).toBe('250 ms');
    expect(duration(1_500)).toBe('1.5 s');
    expect(duration(95_000)).toBe('1 min 35 s');
    expect(duration(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(duration(2_147_483_647)).toBe('24 d 21 h');
  });

  it('rounds before it splits, so a value just under a unit shows as the whole unit', () => {
    expect(duration(999.7)).toBe('1.0 s');
    expect(duration(59_960)).toBe('1 min 0 s');
    expect(duration(119_500)).toBe('2 min 0 s');
    expect(duration(3_599_700)).toBe('1 h 0 min');
    expect(duration(86_399_000)).toBe('1 d 0 h');
  });
});
