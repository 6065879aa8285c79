import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { keysetPageQuery, Name, Timestamp } from './common.schema.ts';

describe('Timestamp', () => {
  it.each(['2030-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '1970-01-01T00:00:00.123456789Z'])('accepts %s', (value) => {
    expect(Timestamp.safeParse(value).success).toBe(true);
  });

  it('refuses a time in the last second of 9999 that PostgreSQL would round into year 10000, and keeps the one before', () => {
    for (const value of ['9999-12-31T23:59:59.9999995Z', '9999-12-31T23:59:59.9999999Z']) {
      expect(Timestamp.safeParse(value).error!.issues.map((issue) => issue.message), value).toEqual(['expected a timestamp in the years 0001 to 9999']);
    }
    for (const value of ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.9999994Z', '2030-12-31T23:59:59.9999999Z']) {
      expect(Timestamp.safeParse(value).success, value).toBe(true);
    }
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

describe('keysetPageQuery', () => {
  const Query = keysetPageQuery({ item: 'run', items: 'runs', time: 'queuedAt' }, { stream: z.string().optional() });
  const id = '00000000-0000-4000-8000-000000000000';

  it('keeps the filters and the page size, with before alone or before and beforeId', () => {
    expect(Query.parse({ stream: 'incident', before: '2030-01-01T00:00:00.123456Z' })).toEqual({ limit: 50, stream: 'incident', before: '2030-01-01T00:00:00.123456Z' });
    expect(Query.parse({ limit: '2', before: '2030-01-01T00:00:00Z', beforeId: id })).toEqual({ limit: 2, before: '2030-01-01T00:00:00Z', beforeId: id });
  });

  it('refuses beforeId without before, naming the time to send with it', () => {
    const result = Query.safeParse({ beforeId: id });
    expect(result.error!.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['beforeId', 'needs `before`, the `queuedAt` of the same run']]);
  });
});

describe('Name', () => {
  it.each(['SN prod', 'ServiceNow — Produktion', '東京 incidents', '  trimmed  '])('accepts %j', (value) => {
    expect(Name.safeParse(value).success).toBe(true);
  });

  it.each(['SN\nprod', 'SN\r\nprod', 'SN\tprod', 'SN\u0000prod', 'SN\u001bprod', 'SN\u2028prod', 'SN\u0085prod'])('refuses %j: one line, no control characters', (value) => {
    expect(Name.safeParse(value).error?.issues.map((issue) => issue.message)).toEqual(['is one line of text: no line breaks, tabs or other control characters']);
  });
});
