import { describe, expect, it } from 'vitest';
import { formFields, formRecord } from '../forms/rendered-form.testing.ts';
import type { JsonSchema } from './json-schema.ts';
import { renderSchemaFields } from './schema-form.ts';
import { parseSchemaForm } from './schema-form.parse.ts';

// A connector's config form rendered from stored values and sent back untouched, as a browser
// sends it: every stored value must come back exactly, whatever an input can or cannot carry.

const schema: JsonSchema = {
  type: 'object',
  properties: {
    note: { type: 'string' },
    padded: { type: 'string' },
    empty: { type: 'string' },
    unset: { type: 'string' },
    huge: { type: 'number' },
    tenth: { type: 'number' },
    count: { type: 'integer', default: 5 },
    typedCount: { type: 'integer' },
    verbose: { type: 'boolean', default: false },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
    legacyRegion: { type: 'string', enum: ['eu', 'us'] },
    labels: { type: 'array', items: { type: 'string' } },
    steps: { type: 'array', items: { type: 'integer' } },
    tables: { type: 'object', properties: { incident: { type: 'string' } } },
    extras: { type: 'object', properties: { mode: { type: 'string', enum: ['a', 'b'], default: 'a' } } },
  },
  required: [],
};

const stored = {
  note: '\nfirst line\r\nsecond\tline  \rthird ünïcödé ✓\n',
  padded: '  spaced\tvalue ',
  empty: '',
  huge: 1e21,
  tenth: 0.1,
  count: 7,
  typedCount: '12 apples',
  verbose: true,
  region: 'us',
  legacyRegion: 'apac',
  labels: [' a ', 'b\nc', '', 'a'],
  steps: [1, 2.5, 1e21],
  tables: {},
  extras: { mode: 'a' },
};

const page = (value: unknown) => `<form action="/save">${renderSchemaFields(schema, 'config', value, { errors: new Map(), writeOnly: false, rendered: new Map() }).toString()}</form>`;

describe('a schema form saved as shown', () => {
  it('gives back every stored value exactly', () => {
    expect(parseSchemaForm(schema, 'config', formRecord(page(stored), '/save'), stored).value).toEqual(stored);
  });

  it('shows a value with line breaks in a textarea, and an unknown choice as chosen', () => {
    const sent = formRecord(page(stored), '/save');
    expect(sent['config.note']).toBe('\r\nfirst line\r\nsecond\tline  \r\nthird ünïcödé ✓\r\n');
    expect(sent['config.legacyRegion']).toBe('apac');
    expect(sent['config.typedCount']).toBe('12 apples');
  });

  it('still reads what the admin typed: trimmed, split, numbers parsed, cleared fields left out', () => {
    const sent = formRecord(page(stored), '/save', {
      'config.note': '  typed  ',
      'config.huge': '2.5',
      'config.labels': ' x \r\n\r\ny',
      'config.legacyRegion': 'eu',
      'config.padded': '',
    });
    const value = parseSchemaForm(schema, 'config', sent, stored).value;
    expect(value).toMatchObject({ note: 'typed', huge: 2.5, labels: ['x', 'y'], legacyRegion: 'eu' });
    expect(value).not.toHaveProperty('padded');
  });
});

describe('the form reader used by the HTTP tests', () => {
  const fields = (body: string) => formFields(`<form action="/a">${body}</form>`, '/a');

  it('sends what a browser sends: no line breaks from text inputs, CR LF from textareas, sanitized numbers', () => {
    expect(fields('<input name="t" value="a\nb\r\nc"><input type="hidden" name="h" value="x\ny">')).toEqual([['t', 'abc'], ['h', 'x\r\ny']]);
    expect(fields('<textarea name="a">\n\nline\r\nnext\rend</textarea>')).toEqual([['a', '\r\nline\r\nnext\r\nend']]);
    expect(fields('<input type="number" name="n" value="1e+21"><input type="number" name="m" value="12 apples"><input type="url" name="u" value=" https://x/ ">')).toEqual([['n', '1e+21'], ['m', ''], ['u', 'https://x/']]);
    expect(fields('<input name="d" value="x" disabled><input type="submit" name="go" value="Go"><select name="s"><option>  first\n one </option><option value="2">two</option></select>')).toEqual([['s', 'first one']]);
    expect(fields('<select name="s"><option value="1" selected>1</option><option value="2" selected>2</option></select>')).toEqual([['s', '2']]);
  });
});
