// Test-only: malformed input for the API input walk (api-input.integration.test.ts): junk for each
// kind of body field, bad path ids, bodies that are no JSON object, junk query strings.

/** What an answer must be: a refusal, exactly 404 not_found, a success, or anything but a 5xx. */
export type Expected = '4xx' | '404' | '2xx' | 'no 5xx';

/** A well-formed id that exists nowhere. */
export const NOWHERE = '7b0c1f6e-3c1d-4f4a-9a51-1c2d3e4f5a6b';

export type FieldKind = 'free text' | 'name' | 'enum' | 'uuid' | 'timestamp' | 'nullable timestamp' | 'object' | 'boolean' | 'email';

/** A field value as JSON text, for what JSON.stringify cannot write (1e309, lone surrogates, deep nesting). */
interface Junk {
  raw: string;
  type: 'string' | 'number' | 'null' | 'boolean' | 'array' | 'object';
  /** No field takes it. */
  alwaysBad?: true;
}

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

// Every field gets one value of each JSON type; string and object fields also their own edge cases.
const ONE_OF_EACH_TYPE: Junk[] = [
  { raw: '"abc"', type: 'string' },
  { raw: '12345', type: 'number' },
  { raw: '1e309', type: 'number' }, // Infinity once parsed
  { raw: 'null', type: 'null' },
  { raw: 'true', type: 'boolean' },
  { raw: '[1,"a",null]', type: 'array' },
  { raw: '{}', type: 'object' },
  { raw: nested(5000), type: 'array', alwaysBad: true },
];
const BAD_STRINGS: Junk[] = [
  { raw: '""', type: 'string', alwaysBad: true },
  { raw: '"   "', type: 'string', alwaysBad: true },
  { raw: '"a\\u0000b"', type: 'string', alwaysBad: true }, // PostgreSQL text cannot hold NUL
  { raw: '"a\\ud800b"', type: 'string', alwaysBad: true }, // a lone surrogate is no UTF-8
  { raw: JSON.stringify('x'.repeat(200_000)), type: 'string', alwaysBad: true },
];
const BAD_OBJECTS: Junk[] = [
  { raw: '{"unknownKey":1}', type: 'object' },
  { raw: '{"__proto__":{"polluted":true}}', type: 'object' },
  { raw: '{"a\\u0000":1}', type: 'object' },
  { raw: '{"\\ud800":1}', type: 'object' },
  { raw: '{"a":'.repeat(40) + '1' + '}'.repeat(40), type: 'object', alwaysBad: true }, // deeper than the API takes
];

export function junkFor(kind: FieldKind): Junk[] {
  if (kind === 'object') return [...ONE_OF_EACH_TYPE, ...BAD_OBJECTS];
  if (kind === 'boolean') return ONE_OF_EACH_TYPE;
  return [...ONE_OF_EACH_TYPE, ...BAD_STRINGS];
}

/** Whether a field of this kind must refuse the junk; the rest may be taken or refused. */
export function mustRefuse(kind: FieldKind, junk: Junk): boolean {
  if (junk.alwaysBad) return true;
  switch (kind) {
    case 'free text':
      return junk.type !== 'string';
    case 'nullable timestamp':
      return junk.type !== 'null';
    case 'boolean':
      return junk.type !== 'boolean';
    case 'object':
      return junk.raw !== '{}'; // every object field is strict about its keys
    default:
      return true; // "abc" is no connector, stream, action, enum value, UUID, time or email
  }
}

/** `base` as JSON with `field` set to the JSON text `raw`. */
export function withRawField(base: Record<string, unknown>, field: string, raw: string): string {
  return JSON.stringify({ ...base, [field]: 'RAW' }).replace(`"${field}":"RAW"`, () => `"${field}":${raw}`);
}

export const BAD_IDS: Array<[string, Expected]> = [
  ['not-a-uuid', '4xx'],
  ['%2e%2e', '4xx'],
  ['..%2F..%2F', '4xx'],
  ['%00', '4xx'],
  [`${NOWHERE}%00`, '4xx'],
  [`${NOWHERE}%20`, '4xx'],
  ['%ZZ', '4xx'], // broken percent-encoding
  ['%ED%A0%80', '4xx'], // a lone surrogate, UTF-8 encoded
  ['x'.repeat(10_000), '4xx'],
  [NOWHERE.replaceAll('-', ''), '4xx'],
  ['00000000-0000-0000-0000-000000000000', '4xx'],
  ["'%20OR%201=1--", '4xx'],
  ['__proto__', '4xx'],
  [NOWHERE, '404'],
  [NOWHERE.toUpperCase(), '404'],
];

/** Bodies that are no JSON object. `readAsEmpty`: the server sees no body, refused only where one is required. */
export const RAW_BODIES: Array<{ text: string; headers?: Record<string, string>; readAsEmpty?: true }> = [
  { text: 'not json' },
  { text: '{"name":' },
  { text: 'null' },
  { text: '"str"' },
  { text: '[]' },
  { text: '\ufeff{"unknownKey":1}' },
  { text: '{}garbage' },
  { text: '{"a":NaN}' },
  { text: '{"a":"\u0000"}' },
  { text: nested(100_000) },
  { text: JSON.stringify({ name: 'x'.repeat(1_100_000) }) }, // over the body limit
  { text: JSON.stringify({ name: 'x'.repeat(1_100_000) }), headers: { 'content-type': 'text/plain' } },
  { text: 'name=x&role=viewer', headers: { 'content-type': 'application/x-www-form-urlencoded' }, readAsEmpty: true },
  { text: '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--', headers: { 'content-type': 'multipart/form-data; boundary=b' }, readAsEmpty: true },
  { text: '{}', headers: { 'content-type': 'application/json; charset=utf-16' }, readAsEmpty: true },
];

/** For every GET route: parameters it does not know, or cannot store. */
export const ANY_QUERY: Array<[string, Expected]> = [
  ['unknown=1', 'no 5xx'],
  ['%00=1', '4xx'],
  ['x=%00', '4xx'],
  ['x=%ED%A0%80', 'no 5xx'],
  ['x=' + 'y'.repeat(100_000), 'no 5xx'],
  ['a=1&'.repeat(2000) + 'b=2', 'no 5xx'],
];

/** For lists paged with limit / before / beforeId. */
export const PAGING_QUERIES: Array<[string, Expected]> = [
  ...['-1', '0', '-0', '501', '1.5', '1e309', 'abc', '9223372036854775808'].map((limit): [string, Expected] => [`limit=${limit}`, '4xx']),
  ...['', '0x10', '1&limit=abc', '1&limit[]=2'].map((limit): [string, Expected] => [`limit=${limit}`, 'no 5xx']),
  ...['yesterday', '2024-01-01', '2024-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '%2B010000-01-01T00:00:00Z', '2024-01-01T24:00:00Z', '2016-12-31T23:59:60Z', '1700000000', '2024-01-01T00:00:00Z%00']
    .map((before): [string, Expected] => [`before=${before}`, '4xx']),
  ...['2024-01-01T00:00:00%2B01:00', '2024-01-01T00:00:00.123456789Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z'].map((before): [string, Expected] => [`before=${before}`, 'no 5xx']),
  [`beforeId=${NOWHERE}`, '4xx'], // only with before
  ['before=2024-01-01T00:00:00Z&beforeId=junk', '4xx'],
  ['before=2024-01-01T00:00:00Z&beforeId=00000000-0000-0000-0000-000000000000', 'no 5xx'],
];
