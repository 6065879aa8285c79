import { describe, expect, it } from 'vitest';
import { MAX_INPUT_DEPTH, unstorableFields } from './storable-input.ts';

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
}

describe('unstorableFields', () => {
  it('accepts ordinary input', () => {
    expect(unstorableFields({ name: 'ServiceNow prod', config: { a: [1, 'two', null, { b: true }] } }, 'body')).toEqual([]);
    expect(unstorableFields(undefined, 'body')).toEqual([]);
    expect(unstorableFields({ stream: 'incident' }, 'query')).toEqual([]);
  });

  it('names every field holding a NUL character, however deep', () => {
    const fields = unstorableFields({ name: 'a\u0000b', config: { headers: [{ value: 'ok' }, { value: 'x\u0000' }] } }, 'body');
    expect(fields.map((field) => field.path).sort()).toEqual(['body.config.headers.1.value', 'body.name']);
    expect(fields[0]!.message).toContain('NUL');
  });

  it('names keys holding a NUL character, escaped so the path stays readable', () => {
    expect(unstorableFields({ config: { 'bad\u0000key': 1 } }, 'body')).toEqual([
      { path: 'body.config.bad\\u0000key', message: 'a key must not contain the NUL character (\\u0000)' },
    ]);
  });

  it('names every string holding a lone UTF-16 surrogate (not text, so jsonb refuses it), and accepts a whole pair', () => {
    const fields = unstorableFields({ inputTemplate: { message: 'bad \ud800 text' }, filter: { fields: { title: '\udc00' } }, ok: 'emoji \ud83d\ude00' }, 'body');
    expect(fields.map((field) => field.path).sort()).toEqual(['body.filter.fields.title', 'body.inputTemplate.message']);
    expect(fields[0]!.message).toContain('lone UTF-16 surrogate');
  });

  it('names keys holding a lone surrogate, escaped so the path is well-formed text', () => {
    expect(unstorableFields({ filter: { 'k\ud800': 1 } }, 'body')).toEqual([
      { path: 'body.filter.k\\ud800', message: expect.stringMatching(/^a key must not contain a lone UTF-16 surrogate/) },
    ]);
  });

  it('checks query and path parameters the same way', () => {
    expect(unstorableFields({ type: 'a\u0000' }, 'query')).toEqual([{ path: 'query.type', message: expect.stringContaining('NUL') }]);
  });

  it(`allows ${MAX_INPUT_DEPTH} levels and refuses one more, naming the top-level field`, () => {
    // The body object is the first level.
    expect(unstorableFields({ inputTemplate: nested(MAX_INPUT_DEPTH - 1) }, 'body')).toEqual([]);
    expect(unstorableFields({ inputTemplate: nested(MAX_INPUT_DEPTH) }, 'body')).toEqual([
      { path: 'body.inputTemplate', message: `nests deeper than ${MAX_INPUT_DEPTH} levels` },
    ]);
  });

  it('walks without recursion, so hostile nesting cannot overflow the stack', () => {
    expect(unstorableFields({ inputTemplate: { x: nested(500_000) } }, 'body')).toHaveLength(1);
  });

  it('reports a bounded number of fields', () => {
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, index) => [`k${index}`, '\u0000']));
    expect(unstorableFields(many, 'body')).toHaveLength(10);
  });

  it('names numbers too large to store, which JSON.parse reads as Infinity and JSON.stringify writes as null', () => {
    const body = JSON.parse('{"inputTemplate":{"priority":1e309,"ok":1.5},"limit":-1e400}');
    expect(unstorableFields(body, 'body').map((field) => field.path).sort()).toEqual(['body.inputTemplate.priority', 'body.limit']);
  });

  it('names a __proto__ key, which copying into an object would turn into its prototype and drop', () => {
    const body = JSON.parse('{"inputTemplate":{"__proto__":{"polluted":true},"message":"hi"}}');
    expect(unstorableFields(body, 'body')).toEqual([{ path: 'body.inputTemplate.__proto__', message: 'is a key that cannot be stored (__proto__)' }]);
  });
});
