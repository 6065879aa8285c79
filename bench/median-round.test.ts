import { describe, expect, it } from 'vitest';
import { medianRound, type MaxRateRound } from './webhook-ingest.bench.ts';

const round = (ratio: number) => ({ ratio }) as MaxRateRound;

describe('medianRound', () => {
  it('quotes the round with the middle ratio, whatever order the rounds ran in', () => {
    expect(medianRound([round(0.41), round(0.26), round(0.64)]).ratio).toBe(0.41);
  });

  it('takes the lower middle round of an even count, so a lucky round never decides', () => {
    expect(medianRound([round(0.5), round(0.3), round(0.7), round(0.4)]).ratio).toBe(0.4);
  });

  it('refuses an empty list', () => {
    expect(() => medianRound([])).toThrow('no max-rate round');
  });
});
