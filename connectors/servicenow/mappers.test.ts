import { describe, expect, it } from 'vitest';
import { advance, inScope, readCursor, unseen, type CursorScope } from './cursor.ts';
import { formatServiceNowTime, parseServiceNowTime, toPolledRecord, type ServiceNowRecord } from './mappers.ts';
import { ConnectorError } from '../sdk/failure.ts';

const record = (sys_id: string, sys_updated_on: string, sys_mod_count = '0'): ServiceNowRecord => ({ sys_id, sys_updated_on, sys_mod_count });
const INSTANCE = 'https://acme.service-now.com';
const incident: CursorScope = { instance: INSTANCE, table: 'incident', query: undefined };

describe('ServiceNow time format', () => {
  it('parses yyyy-MM-dd HH:mm:ss as UTC and formats back', () => {
    const date = parseServiceNowTime('2024-05-01 10:02:11');
    expect(date?.toISOString()).toBe('2024-05-01T10:02:11.000Z');
    expect(formatServiceNowTime(new Date('2024-05-01T10:02:11.999Z'))).toBe('2024-05-01 10:02:11');
  });

  it('rejects other formats and impossible dates', () => {
    for (const value of ['2024-05-01T10:02:11Z', '2024-05-01 10:02', '2024-02-30 10:00:00', '', 42, undefined]) {
      expect(parseServiceNowTime(value)).toBeUndefined();
    }
  });

  it('maps a record to sys_id, the record itself and its UTC update time', () => {
    const raw = { ...record('9d385017c611228701d22104cc95c371', '2024-05-01 10:02:11', '4'), number: 'INC0010023' };
    expect(toPolledRecord(raw)).toEqual({ externalId: raw.sys_id, payload: raw, updatedAt: new Date('2024-05-01T10:02:11Z') });
  });
});

describe('ServiceNow cursor', () => {
  it('moves to the latest second and remembers the versions seen at exactly that second', () => {
    const next = advance(undefined, [record('a', '2024-05-01 10:00:00'), record('b', '2024-05-01 10:00:01', '3'), record('c', '2024-05-01 10:00:01')], incident);
    expect(next).toEqual({ updatedOn: '2024-05-01 10:00:01', seenAtUpdatedOn: ['b@3', 'c@0'], instance: INSTANCE, table: 'incident' });
  });

  it('keeps the seen set when a page stays in the same second and never moves back', () => {
    const cursor = { updatedOn: '2024-05-01 10:00:01', seenAtUpdatedOn: ['b@3'] };
    expect(advance(cursor, [record('d', '2024-05-01 10:00:01'), record('old', '2024-05-01 09:00:00')], incident)).toEqual({
      updatedOn: '2024-05-01 10:00:01',
      seenAtUpdatedOn: ['b@3', 'd@0'],
      instance: INSTANCE,
      table: 'incident',
    });
  });

  it('skips only versions already delivered at the boundary second', () => {
    const cursor = { updatedOn: '2024-05-01 10:00:01', seenAtUpdatedOn: ['b@3'] };
    const page = [record('b', '2024-05-01 10:00:01', '3'), record('b2', '2024-05-01 10:00:01', '4'), record('b', '2024-05-01 10:00:02', '3')];
    const again = [record('b', '2024-05-01 10:00:01', '4')];
    expect(unseen(page, cursor).map((r) => `${r.sys_id}@${r['sys_updated_on'] as string}`)).toEqual(['b2@2024-05-01 10:00:01', 'b@2024-05-01 10:00:02']);
    expect(unseen(again, cursor)).toHaveLength(1);
  });

  it('fails loudly on a record without sys_updated_on rather than never moving', () => {
    expect(() => advance(undefined, [{ sys_id: 'x' }], incident)).toThrow(ConnectorError);
  });

  it('treats a stored cursor of the wrong shape as expired', () => {
    expect(readCursor(undefined)).toBeUndefined();
    expect(readCursor({ updatedOn: '2024-05-01 10:00:01', seenAtUpdatedOn: [] })).toEqual({ updatedOn: '2024-05-01 10:00:01', seenAtUpdatedOn: [] });
    const error = (() => {
      try {
        readCursor({ updatedOn: '2024-05-01T10:00:01Z' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe('cursor_expired');
  });

  it('names the instance, table and query it is a position in, and leaves the query out when there is none', () => {
    const page = [record('a', '2024-05-01 10:00:00')];
    expect(advance(undefined, page, { instance: INSTANCE, table: 'u_grc_incident', query: 'active=true' })).toEqual({
      updatedOn: '2024-05-01 10:00:00',
      seenAtUpdatedOn: ['a@0'],
      instance: INSTANCE,
      table: 'u_grc_incident',
      query: 'active=true',
    });
    expect(JSON.stringify(advance(undefined, page, incident))).toBe(`{"updatedOn":"2024-05-01 10:00:00","seenAtUpdatedOn":["a@0"],"instance":"${INSTANCE}","table":"incident"}`);
  });

  it('is a position only in the instance, table and query it names', () => {
    const at = { updatedOn: '2024-05-01 10:00:01', seenAtUpdatedOn: [], instance: INSTANCE };
    const active = { instance: INSTANCE, table: 'incident', query: 'active=true' };
    expect(inScope({ ...at, table: 'incident' }, incident)).toBe(true);
    expect(inScope({ ...at, table: 'incident', query: 'active=true' }, active)).toBe(true);
    expect(inScope({ ...at, table: 'incident' }, { ...incident, table: 'u_grc_incident' })).toBe(false);
    // The same table of another instance (the integration was pointed at it): its records are others.
    expect(inScope({ ...at, table: 'incident' }, { ...incident, instance: 'https://acme-prod.service-now.com' })).toBe(false);
    expect(inScope({ ...at, table: 'incident' }, active)).toBe(false);
    expect(inScope({ ...at, table: 'incident', query: 'active=true' }, incident)).toBe(false);
    expect(inScope({ ...at, table: 'incident', query: 'active=true' }, { ...active, query: 'active=false' })).toBe(false);
  });

  it('takes a cursor stored before cursors named their scope to be a position in any', () => {
    const stored = readCursor({ updatedOn: '2024-05-01 10:00:01', seenAtUpdatedOn: ['b@3'] });
    expect(stored).toEqual({ updatedOn: '2024-05-01 10:00:01', seenAtUpdatedOn: ['b@3'] });
    expect(inScope(stored!, { instance: INSTANCE, table: 'u_grc_incident', query: 'active=true' })).toBe(true);
    // One that names its table and query but not yet its instance, in any instance.
    expect(inScope({ ...stored!, table: 'incident' }, { ...incident, instance: 'https://acme-prod.service-now.com' })).toBe(true);
    // Its next page names them.
    expect(advance(stored, [record('c', '2024-05-01 10:00:02')], incident)).toEqual({ updatedOn: '2024-05-01 10:00:02', seenAtUpdatedOn: ['c@0'], instance: INSTANCE, table: 'incident' });
  });
});
