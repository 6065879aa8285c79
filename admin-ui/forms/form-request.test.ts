import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseFormRequest } from './form-request.ts';

const Request = z.strictObject({ name: z.string().min(1), template: z.record(z.string(), z.unknown()).optional() });

describe('parseFormRequest', () => {
  it('returns the parsed request when the body is storable and valid', () => {
    expect(parseFormRequest(Request, { name: 'P1', template: { a: { b: 1 } } })).toEqual({ ok: true, data: { name: 'P1', template: { a: { b: 1 } } } });
  });

  it('names schema problems with the API paths, marked storable', () => {
    expect(parseFormRequest(Request, { name: '' })).toMatchObject({ ok: false, storable: true, errors: [{ path: 'body.name' }] });
  });

  it('refuses a NUL anywhere, keys included, before the schema runs', () => {
    let schemaRan = false;
    const watched = Request.refine(() => (schemaRan = true));
    const result = parseFormRequest(watched, { name: 'a\u0000b', template: { 'k\u0000': 'v', deep: ['x\u0000'] } });
    expect(result).toEqual({
      ok: false,
      storable: false,
      errors: expect.arrayContaining([
        { path: 'body.name', message: 'must not contain the NUL character (\\u0000)' },
        { path: 'body.template.deep.0', message: 'must not contain the NUL character (\\u0000)' },
        { path: 'body.template.k\\u0000', message: 'a key must not contain the NUL character (\\u0000)' },
      ]),
    });
    expect(schemaRan).toBe(false);
  });

  it('refuses JSON nested deeper than the API takes, named by its top-level field', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i += 1) deep = { a: deep };
    expect(parseFormRequest(Request, { name: 'P1', template: deep })).toEqual({
      ok: false,
      storable: false,
      errors: [{ path: 'body.template', message: 'nests deeper than 32 levels' }],
    });
  });
});
