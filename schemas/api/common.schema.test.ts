import { describe, expect, it } from 'vitest';
import { Timestamp } from './common.schema.ts';

describe('Timestamp', () => {
  it.each(['2030-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '1970-01-01T00:00:00.123456789Z'])('accepts %s', (value) => {
    expect(Timestamp.safeParse(value).success).toBe(true);
  });

  it('refuses year 0000, which PostgreSQL cannot store', () => {
    const result = Timestamp.safeParse('0000-06-01T00:00:00Z');
    expect(result.error!.issues.map((issue) => issue.message)).toEqual(['expected a timestamp in the years 0001 to 9999']);
  });

  it('refuses what is not an ISO timestamp with one message', () => {
    for (const value of ['2030-02-31T00:00:00Z', '2030-01-01T23:59:60Z', '2030-01-01', 'soon']) {
      const result = Timestamp.safeParse(value);
      expect(result.success, value).toBe(false);
      expect(result.error!.issues, value).toHaveLength(1);
    }
  });
});
