import { describe, expect, it } from 'vitest';
import type { ReadFrom } from './client.ts';
import type { ServiceNowRecord } from './mappers.ts';
import { assertReadHonoured, nextRead, type PageFacts } from './paging.ts';

const T = '2024-05-01 10:00:00';
const LATER = '2024-05-01 10:00:07';
const NEXT = 'https://acme.service-now.com/api/now/table/incident?sysparm_offset=3';

const record = (sysId: string, updatedOn = T): ServiceNowRecord => ({ sys_id: sysId, sys_updated_on: updatedOn, sys_mod_count: '0' });
const within = (afterSysId: string, updatedOn = T): ReadFrom => ({ kind: 'within_second', updatedOn, afterSysId });

function page(facts: Partial<PageFacts>): PageFacts {
  return { read: { kind: 'from_second', updatedOn: T }, records: [], nextLink: NEXT, pageSize: 3, cursorBefore: T, ...facts };
}

describe('nextRead after a read from a second on (or of everything)', () => {
  it('is done without a next link', () => {
    expect(nextRead(page({ records: [record('a'), record('b', LATER)], nextLink: undefined }))).toEqual({ kind: 'done' });
  });

  it('queries again from the last second when the page reached a later one', () => {
    expect(nextRead(page({ records: [record('a'), record('b'), record('c', LATER)] }))).toEqual({ kind: 'query', from: { kind: 'from_second', updatedOn: LATER } });
  });

  it('reads on inside the second by keyset when the whole page lies in one second', () => {
    expect(nextRead(page({ records: [record('a'), record('b'), record('c')] }))).toEqual({ kind: 'query', from: within('c') });
    // Also on a first read, where re-querying from that second would only return the same page.
    expect(nextRead(page({ read: undefined, cursorBefore: undefined, records: [record('a', LATER), record('b', LATER), record('c', LATER)] }))).toEqual({
      kind: 'query',
      from: within('c', LATER),
    });
  });

  it('ends on a short page that moved the cursor, but not on one inside the cursor\'s second', () => {
    expect(nextRead(page({ records: [record('a'), record('b', LATER)] }))).toEqual({ kind: 'done' });
    expect(nextRead(page({ records: [record('a')] }))).toEqual({ kind: 'query', from: within('a') });
  });

  it('follows the offset link when a page is empty but has a next link', () => {
    expect(nextRead(page({ records: [] }))).toEqual({ kind: 'link', url: NEXT });
  });
});

describe('nextRead inside a crowded second', () => {
  it('continues after the last sys_id read while there is a next link, even on a short page', () => {
    expect(nextRead(page({ read: within('a'), records: [record('b')] }))).toEqual({ kind: 'query', from: within('b') });
  });

  it('follows the offset link when the page is empty but has a next link', () => {
    expect(nextRead(page({ read: within('a'), records: [] }))).toEqual({ kind: 'link', url: NEXT });
  });

  it('reads what follows the second once it has no next page', () => {
    const after = { kind: 'query', from: { kind: 'after_second', updatedOn: T } };
    expect(nextRead(page({ read: within('a'), records: [record('b')], nextLink: undefined }))).toEqual(after);
    expect(nextRead(page({ read: within('a'), records: [], nextLink: undefined }))).toEqual(after);
  });
});

describe('assertReadHonoured', () => {
  it('accepts records inside the read', () => {
    expect(() => assertReadHonoured(undefined, [record('z', '2001-01-01 00:00:00')])).not.toThrow();
    expect(() => assertReadHonoured({ kind: 'from_second', updatedOn: T }, [record('a'), record('b', LATER)])).not.toThrow();
    expect(() => assertReadHonoured(within('a'), [record('b'), record('c')])).not.toThrow();
    expect(() => assertReadHonoured({ kind: 'after_second', updatedOn: T }, [record('a', LATER)])).not.toThrow();
  });

  it('refuses records outside it, which would make the run go round in circles', () => {
    const outside = [
      () => assertReadHonoured({ kind: 'from_second', updatedOn: LATER }, [record('a')]),
      () => assertReadHonoured(within('b'), [record('a')]),
      () => assertReadHonoured(within('b'), [record('c', LATER)]),
      () => assertReadHonoured({ kind: 'after_second', updatedOn: T }, [record('a')]),
    ];
    for (const check of outside) expect(check).toThrow(expect.objectContaining({ code: 'upstream_bad_response' }));
  });
});
