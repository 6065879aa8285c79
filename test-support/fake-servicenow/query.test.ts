import { describe, expect, it } from 'vitest';
import { parseEncodedQuery, QueryError, runQuery, splitClauses, type FakeRecord } from './query.ts';

const rows: FakeRecord[] = [
  { sys_id: 'c', state: '2', priority: '10', sys_updated_on: '2024-05-01 10:00:01', short_description: 'Disk full' },
  { sys_id: 'a', state: '1', priority: '9', sys_updated_on: '2024-05-01 10:00:01', short_description: 'VPN down' },
  { sys_id: 'b', state: '2', priority: '1', sys_updated_on: '2024-05-01 09:59:59', short_description: '' },
];

describe('fake ServiceNow encoded query', () => {
  it('splits on ^ and keeps ^^ as a literal caret', () => {
    expect(splitClauses('a=1^b=x^^y^ORDERBYc')).toEqual(['a=1', 'b=x^y', 'ORDERBYc']);
  });

  it('parses the incremental cursor query of the connector', () => {
    expect(parseEncodedQuery('sys_updated_on>=2024-05-01 10:00:00^ORDERBYsys_updated_on^ORDERBYsys_id')).toEqual({
      where: [[{ field: 'sys_updated_on', operator: '>=', value: '2024-05-01 10:00:00' }]],
      orderBy: [
        { field: 'sys_updated_on', descending: false },
        { field: 'sys_id', descending: false },
      ],
    });
  });

  it('reads date-time literals in the user time zone it is given, records staying UTC', () => {
    // UTC-5: the literal 05:00:00 is 10:00:00 UTC.
    const query = 'sys_updated_on>=2024-05-01 05:00:00^ORDERBYsys_id';
    expect(runQuery(rows, query, -300).map((r) => r.sys_id)).toEqual(['a', 'c']);
    expect(runQuery(rows, query).map((r) => r.sys_id)).toEqual(['a', 'b', 'c']);
    expect(runQuery(rows, 'sys_updated_on=2024-05-01 12:00:01', 120).map((r) => r.sys_id)).toEqual(['c', 'a']);
    expect(runQuery(rows, 'short_description=VPN down', -300).map((r) => r.sys_id)).toEqual(['a']);
  });

  it('filters with >= on times and orders by sys_updated_on then sys_id', () => {
    const ids = runQuery(rows, 'sys_updated_on>=2024-05-01 10:00:00^ORDERBYsys_updated_on^ORDERBYsys_id').map((r) => r.sys_id);
    expect(ids).toEqual(['a', 'c']);
  });

  it('pages one second by keyset: sys_updated_on=<T>^sys_id><last sys_id read>', () => {
    const keyset = 'sys_updated_on=2024-05-01 10:00:01^sys_id>a^ORDERBYsys_updated_on^ORDERBYsys_id';
    expect(runQuery(rows, keyset).map((r) => r.sys_id)).toEqual(['c']);
    expect(runQuery(rows, 'sys_updated_on>2024-05-01 09:59:59^ORDERBYsys_updated_on^ORDERBYsys_id').map((r) => r.sys_id)).toEqual(['a', 'c']);
  });

  it('compares sys_ids as text, also when one is all digits', () => {
    const ids: FakeRecord[] = [{ sys_id: '90' }, { sys_id: '1000' }, { sys_id: 'a1' }];
    expect(runQuery(ids, 'ORDERBYsys_id').map((r) => r.sys_id)).toEqual(['1000', '90', 'a1']);
    expect(runQuery(ids, 'sys_id>1000^ORDERBYsys_id').map((r) => r.sys_id)).toEqual(['90', 'a1']);
  });

  it('ANDs simple field=value clauses', () => {
    expect(runQuery(rows, 'state=2^sys_updated_on>=2024-05-01 10:00:00').map((r) => r.sys_id)).toEqual(['c']);
  });

  it('binds ^OR tighter than ^', () => {
    // (state=1 OR priority=1) AND sys_updated_on >= 09:59:59
    expect(runQuery(rows, 'state=1^ORpriority=1^sys_updated_on>=2024-05-01 09:59:59^ORDERBYsys_id').map((r) => r.sys_id)).toEqual(['a', 'b']);
  });

  it('compares numeric values as numbers and supports ORDERBYDESC', () => {
    expect(runQuery(rows, 'priority>2^ORDERBYDESCpriority').map((r) => r.sys_id)).toEqual(['c', 'a']);
  });

  it('supports LIKE, STARTSWITH, IN, ISEMPTY and !=', () => {
    expect(runQuery(rows, 'short_descriptionLIKEdown').map((r) => r.sys_id)).toEqual(['a']);
    expect(runQuery(rows, 'short_descriptionSTARTSWITHdisk').map((r) => r.sys_id)).toEqual(['c']);
    expect(runQuery(rows, 'sys_idINa,b^ORDERBYsys_id').map((r) => r.sys_id)).toEqual(['a', 'b']);
    expect(runQuery(rows, 'short_descriptionISEMPTY').map((r) => r.sys_id)).toEqual(['b']);
    expect(runQuery(rows, 'state!=2').map((r) => r.sys_id)).toEqual(['a']);
  });

  it('keeps insertion order without ORDERBY and ignores an empty query or ^EQ', () => {
    expect(runQuery(rows, '').map((r) => r.sys_id)).toEqual(['c', 'a', 'b']);
    expect(runQuery(rows, 'state=2^EQ').map((r) => r.sys_id)).toEqual(['c', 'b']);
  });

  it('rejects what it does not understand instead of matching everything', () => {
    expect(() => parseEncodedQuery('state=1^NQpriority=1')).toThrow(QueryError);
    expect(() => parseEncodedQuery('ORstate=1')).toThrow(QueryError);
    expect(() => parseEncodedQuery('javascript:gs.now()')).toThrow(QueryError);
  });
});
