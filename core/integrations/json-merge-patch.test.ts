import { describe, expect, it } from 'vitest';
import { mergePatch } from './json-merge-patch.ts';

describe('mergePatch (RFC 7396)', () => {
  it('replaces the keys it names and keeps the others', () => {
    expect(mergePatch({ instanceUrl: 'https://a', pageSize: 100, query: 'active=true' }, { pageSize: 50 })).toEqual({ instanceUrl: 'https://a', pageSize: 50, query: 'active=true' });
  });

  it('removes a key patched with null, and merges nested objects', () => {
    expect(mergePatch({ query: 'x', tables: { incident: 'incident' } }, { query: null, tables: { sc_task: 'sc_task' } })).toEqual({ tables: { incident: 'incident', sc_task: 'sc_task' } });
  });

  it('replaces arrays and scalars whole, and a non-object patch replaces everything', () => {
    expect(mergePatch({ list: [1, 2, 3] }, { list: [4] })).toEqual({ list: [4] });
    expect(mergePatch({ a: { b: 1 } }, { a: 'flat' })).toEqual({ a: 'flat' });
    expect(mergePatch({ a: 1 }, ['x'])).toEqual(['x']);
    expect(mergePatch('stored', { a: 1 })).toEqual({ a: 1 });
  });

  it('leaves the stored object as it was', () => {
    const stored = { a: { b: 1 } };
    mergePatch(stored, { a: { b: 2 } });
    expect(stored).toEqual({ a: { b: 1 } });
  });
});
